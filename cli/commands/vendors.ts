import { terminalJson, visible, visibleText } from '../../common/display-text.js';
import { ConfigError } from '../../common/errors.js';
import { closest } from '../../common/text.js';
import { INVENTORY_PAGE_MAX, listActiveVendors, readInventory, type InventoryPage, type InventoryVendor } from '../../storage/inventory.js';
import { boolFlag, parseDurationMs, stringFlag, type Command } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { countOf } from '../count-text.js';
import { withStoreOrApi, type ApiCall } from '../store-access.js';

/**
 * The text listing. Every stored name came from spans, so every substituted value goes through
 * `visible`: an ESC or a bidi override in a route shows as `\x1b` / `\u202e` instead of acting.
 * Each field says when it was first seen (UTC, to the minute): a field that appeared last night
 * stands out from the ones that were always there.
 */
export function renderVendors(vendors: InventoryVendor[]): string {
  if (vendors.length === 0) return 'no egress seen yet: point an OpenTelemetry exporter at the collector (see README)\n';
  const out: string[] = [];
  for (const v of vendors) {
    out.push(visible`${v.vendor}  ${countOf(v.calls, 'call')}, ${countOf(v.errors, 'error')}  hosts: ${v.hosts.join(', ')}  services: ${v.services.join(', ')}`);
    out.push(visible`  PII: ${v.pii.length > 0 ? v.pii.join(', ') : 'none'}   first seen ${v.first_seen}, last seen ${v.last_seen}`);
    for (const r of v.routes) {
      out.push(visible`  ${r.methods.join('|')} ${r.route}  ${countOf(r.calls, 'call')}`);
      for (const f of r.fields) {
        const pii = f.pii.length > 0 ? `  [PII: ${f.pii.join(', ')}]` : '';
        out.push(visible`    ${f.direction === 'request' ? '→' : '←'} ${f.field}: ${f.types.join('|') || '?'}${pii}  since ${shortTime(f.first_seen)}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

/** `2026-11-23T10:00:00Z` → `2026-11-23 10:00` (UTC, like every time the CLI prints). */
function shortTime(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? iso.slice(0, 16).replace('T', ' ') : iso;
}

/** What `--vendor` found: the inventory, and when it is empty, every vendor name there is (for the hint). */
interface VendorsAnswer {
  vendors: InventoryVendor[];
  known?: string[];
}

/** Every page of the running instance's inventory (the API answers in pages; the CLI prints them all). */
async function allPages(call: <R>(api: ApiCall) => Promise<R>, query: Record<string, string>): Promise<InventoryVendor[]> {
  const all: InventoryVendor[] = [];
  for (let offset: number | undefined = 0; offset !== undefined; ) {
    const params = new URLSearchParams({ ...query, limit: String(INVENTORY_PAGE_MAX), offset: String(offset) });
    const page: InventoryPage = await call({ method: 'GET', path: `/api/vendors?${params.toString()}` });
    all.push(...page.vendors);
    offset = page.next_offset;
  }
  return all;
}

/** The error for a `--vendor` that names no vendor ever seen or configured: the nearest name, and a few known ones. */
export function unknownVendorError(vendor: string, known: readonly string[]): ConfigError {
  const hint = closest(vendor, known);
  const listed = known.length === 0 ? 'no vendor seen yet' : `known: ${known.slice(0, 12).map(visibleText).join(', ')}${known.length > 12 ? `, … (${known.length} in all; egresswatch vendors lists them)` : ''}`;
  return new ConfigError(`vendors --vendor: no vendor '${visibleText(vendor)}' has been seen or configured${hint ? ` — did you mean '${visibleText(hint)}'?` : ''} (${listed})`);
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
    const answer = await withStoreOrApi<VendorsAnswer>(config, {
      local: async (store) => {
        const vendors = await readInventory(store, { vendor, sinceMs });
        return vendor !== undefined && vendors.length === 0 ? { vendors, known: await listActiveVendors(store, 0) } : { vendors };
      },
      api: async (call) => {
        const vendors = await allPages(call, { ...(vendor ? { vendor } : {}), ...(since ? { since } : {}) });
        return vendor !== undefined && vendors.length === 0 ? { vendors, known: (await allPages(call, {})).map((v) => v.vendor) } : { vendors };
      },
    });
    const { vendors } = answer;
    if (vendor !== undefined && vendors.length === 0) {
      const known = [...new Set([...(answer.known ?? []), ...Object.keys(config.vendors)])].sort();
      // A typo is an error; a vendor that exists but sent nothing in the window is an empty answer.
      if (!known.includes(vendor)) throw unknownVendorError(vendor, known);
      if (!boolFlag(args, 'json')) {
        process.stdout.write(visible`no egress to ${vendor} ${since ? `in the last ${since}` : 'seen yet'}\n`);
        return 0;
      }
    }
    process.stdout.write(boolFlag(args, 'json') ? terminalJson(vendors) + '\n' : renderVendors(vendors));
    return 0;
  },
};
