import { terminalJson, visible, visibleText } from '../../common/display-text.js';
import { ConfigError } from '../../common/errors.js';
import { closest } from '../../common/text.js';
import type { RouteFlow } from '../../common/register/route-flow.js';
import { annotateInventory, INVENTORY_PAGE_MAX, listActiveVendors, readInventory, type InventoryPage, type InventoryVendor } from '../../storage/inventory.js';
import { readRouteFlows } from '../../storage/register-queries.js';
import { boolFlag, defineCommand, parseDurationMs, stringFlag } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { countOf } from '../count-text.js';
import { API } from '../api-contract.js';
import { withStoreOrApi, type ApiCaller } from '../store-access.js';

/**
 * The text listing. Every stored name came from spans, so every substituted value goes through
 * `visible`: an ESC or a bidi override in a route shows as `\x1b` / `\u202e` instead of acting.
 * Each field says when it was first seen: a field that appeared last night stands out from the
 * ones that were always there. Times print as the store gives them, ISO 8601 in UTC with `Z`, like
 * every other time in CLI text (a zoneless `2026-12-04 21:58` read as local time is hours off).
 */
export function renderVendors(vendors: InventoryVendor[]): string {
  if (vendors.length === 0) return 'no egress seen yet: point an OpenTelemetry exporter at the collector (see README)\n';
  const out: string[] = [];
  for (const v of vendors) {
    out.push(visible`${v.vendor}  ${countOf(v.calls, 'call')}, ${countOf(v.errors, 'error')}  hosts: ${v.hosts.join(', ')}  services: ${v.services.join(', ')}`);
    out.push(...registerLines(v));
    out.push(visible`  PII: ${v.pii.length > 0 ? v.pii.join(', ') : 'none'}   first seen ${isoTime(v.first_seen)}, last seen ${isoTime(v.last_seen)}`);
    for (const r of v.routes) {
      out.push(visible`  ${r.methods.join('|')} ${r.route}  ${countOf(r.calls, 'call')}`);
      for (const f of r.fields) {
        const pii = f.pii.length > 0 ? `  [PII: ${f.pii.join(', ')}]` : '';
        out.push(visible`    ${f.direction === 'request' ? '→' : '←'} ${f.field}: ${f.types.join('|') || '?'}${pii}  since ${isoTime(f.first_seen)}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

/**
 * The register lines of an annotated vendor (`annotateInventory`): risk, the most sensitive tier
 * it receives and its register entry, or that it is a shadow integration; then each calling
 * service with its own risk. None for an inventory that was not annotated.
 */
function registerLines(v: InventoryVendor): string[] {
  if (v.risk === undefined) return [];
  const sends = v.pii.length > 0 && v.tier !== undefined ? `receives ${v.tier.replace('_', ' ')} data` : 'receives no PII';
  const r = v.register;
  let entry: string;
  if (!r) entry = `SHADOW INTEGRATION: not in the register (add vendors.${v.vendor} with owner, purpose, legal_basis, dpa, …)`;
  else {
    const dpa = r['dpa'] === 'signed' ? `DPA signed${r['dpa_signed_on'] !== undefined ? ` ${String(r['dpa_signed_on'])}` : ''}` : r['dpa'] === 'not_needed' ? 'no DPA needed' : 'DPA missing';
    const parts = [`basis ${r['legal_basis'] ?? 'missing'}`, dpa, ...(['owner', 'region', 'transfer_mechanism'] as const).filter((k) => r[k] !== undefined).map((k) => `${k.replace('_', ' ')} ${String(r[k])}`)];
    entry = `register: ${parts.join(', ')}`;
  }
  const gaps = (v.register_gaps ?? []).length > 0 ? `  (policy check fails: ${(v.register_gaps ?? []).join(', ')})` : '';
  const lines = [visible`  risk ${v.risk} (${v.risk_band ?? ''}) · ${sends} · ${entry}${gaps}`];
  for (const i of v.integrations ?? []) lines.push(visible`    ${i.service} → risk ${i.risk} (${i.risk_band}), ${countOf(i.calls, 'call')}${i.pii.length > 0 ? `, sends ${i.pii.join(', ')}` : ''}`);
  return lines;
}

/** `2026-12-02T23:09:05.445Z` → `2026-12-02T23:09:05Z`: one time format in CLI text (field times come with milliseconds, vendor times without). */
function isoTime(iso: string): string {
  return iso.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d+Z$/, '$1Z');
}

/** What `--vendor` found: the inventory, and when it is empty, every vendor name there is (for the hint). */
interface VendorsAnswer {
  vendors: InventoryVendor[];
  known?: string[];
  /** The same window's route flows, for the register annotations. */
  flows?: RouteFlow[];
}

/** Every page of the running instance's inventory (the API answers in pages; the CLI prints them all). */
async function allPages(call: ApiCaller, query: { vendor?: string | undefined; since?: string | undefined }): Promise<InventoryVendor[]> {
  const all: InventoryVendor[] = [];
  for (let offset: number | undefined = 0; offset !== undefined; ) {
    const page: InventoryPage = await call(API.vendors, { query: { ...query, limit: INVENTORY_PAGE_MAX, offset } });
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

export const vendorsCommand = defineCommand({
  name: 'vendors',
  summary: 'the inventory and data map: vendors (riskiest first), register entries, hosts, services, routes, fields, PII classes and tiers',
  usage: '[--json] [--vendor ID] [--since 7d] [--config FILE]',
  options: { ...configOption, json: { type: 'boolean' }, vendor: { type: 'string' }, since: { type: 'string' } },
  async run(args) {
    const config = configFromArgs(args);
    const vendor = stringFlag(args, 'vendor');
    const since = stringFlag(args, 'since');
    const sinceMs = since ? Date.now() - parseDurationMs(since, '--since') : undefined;
    const window = { fromMs: sinceMs ?? 0, toMs: Date.now() };
    const answer = await withStoreOrApi<VendorsAnswer>(config, {
      local: async (store) => {
        const vendors = await readInventory(store, { vendor, sinceMs });
        if (vendor !== undefined && vendors.length === 0) return { vendors, known: await listActiveVendors(store, 0) };
        return { vendors, flows: await readRouteFlows(store, { sinceMs, vendors: vendor === undefined ? undefined : [vendor] }) };
      },
      api: async (call) => {
        const vendors = await allPages(call, { vendor: vendor || undefined, since: since || undefined });
        if (vendor !== undefined && vendors.length === 0) return { vendors, known: (await allPages(call, {})).map((v) => v.vendor) };
        // The same window and vendor filter as the inventory: every vendor, or the one asked for.
        return { vendors, flows: (await call(API.registerFlows, { query: { from: String(window.fromMs), to: String(window.toMs), vendor } })).flows };
      },
    });
    // Tiers, register and risk by this config, whoever read the data (as policy check judges).
    const vendors = annotateInventory(answer.vendors, answer.flows ?? [], config);
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
});
