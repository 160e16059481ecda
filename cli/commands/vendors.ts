import { terminalJson, visible } from '../../common/display-text.js';
import { INVENTORY_PAGE_MAX, readInventory, type InventoryPage, type InventoryVendor } from '../../storage/inventory.js';
import { boolFlag, parseDurationMs, stringFlag, type Command } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { withStoreOrApi } from '../store-access.js';

/**
 * The text listing. Every stored name came from spans, so every substituted value goes through
 * `visible`: an ESC or a bidi override in a route shows as `\x1b` / `\u202e` instead of acting.
 */
export function renderVendors(vendors: InventoryVendor[]): string {
  if (vendors.length === 0) return 'no egress seen yet: point an OpenTelemetry exporter at the collector (see README)\n';
  const out: string[] = [];
  for (const v of vendors) {
    out.push(visible`${v.vendor}  ${v.calls} calls, ${v.errors} errors  hosts: ${v.hosts.join(', ')}  services: ${v.services.join(', ')}`);
    out.push(visible`  PII: ${v.pii.length > 0 ? v.pii.join(', ') : 'none'}   first seen ${v.first_seen}, last seen ${v.last_seen}`);
    for (const r of v.routes) {
      out.push(visible`  ${r.methods.join('|')} ${r.route}  ${r.calls} calls`);
      for (const f of r.fields) {
        const pii = f.pii.length > 0 ? `  [PII: ${f.pii.join(', ')}]` : '';
        out.push(visible`    ${f.direction === 'request' ? '→' : '←'} ${f.field}: ${f.types.join('|') || '?'}${pii}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

export const vendorsCommand: Command = {
  name: 'vendors',
  summary: 'the inventory and data map: vendors, hosts, services, routes, fields, PII classes',
  usage: '[--json] [--vendor ID] [--since 7d] [--config FILE]',
  options: { ...configOption, json: { type: 'boolean' }, vendor: { type: 'string' }, since: { type: 'string' } },
  async run(args) {
    const config = configFromArgs(args);
    const vendor = stringFlag(args, 'vendor');
    const since = stringFlag(args, 'since');
    const sinceMs = since ? Date.now() - parseDurationMs(since, '--since') : undefined;
    const vendors = await withStoreOrApi(config, {
      local: (store) => readInventory(store, { vendor, sinceMs }),
      // The API answers in pages (the console polls it); the CLI prints them all.
      api: async (call) => {
        const all: InventoryVendor[] = [];
        for (let offset: number | undefined = 0; offset !== undefined; ) {
          const query = new URLSearchParams({ ...(vendor ? { vendor } : {}), ...(since ? { since } : {}), limit: String(INVENTORY_PAGE_MAX), offset: String(offset) });
          const page: InventoryPage = await call({ method: 'GET', path: `/api/vendors?${query.toString()}` });
          all.push(...page.vendors);
          offset = page.next_offset;
        }
        return all;
      },
    });
    process.stdout.write(boolFlag(args, 'json') ? terminalJson(vendors) + '\n' : renderVendors(vendors));
    return 0;
  },
};
