import { isRegistered, type PiiPolicyConfig, type RegisterGap } from '../common/pii-policy.js';
import type { SensitivityTier } from '../common/pii-tiers.js';
import { buildRegister, registerFields, tierOfClasses, type Integration, type RegisterFields } from '../common/register/register-model.js';
import type { RiskBand } from '../common/register/risk-score.js';
import type { RouteFlow } from '../common/register/route-flow.js';
import { wrapStoreError, type Store } from './store.js';

/** One field of the data map, merged over services. */
export interface InventoryField {
  direction: 'request' | 'response';
  field: string;
  types: string[];
  pii: string[];
  calls: number;
  first_seen: string;
  last_seen: string;
  /** Highest tier of the field's classes under the config (`annotateInventory`); `public` for none. */
  tier?: SensitivityTier;
}

export interface InventoryRoute {
  route: string;
  methods: string[];
  services: string[];
  calls: number;
  errors: number;
  first_seen: string;
  last_seen: string;
  fields: InventoryField[];
  /** Highest tier sent on the route (request fields; `annotateInventory`). */
  tier?: SensitivityTier;
}

/** The inventory entry of one vendor: where it is, who calls it, what it receives. */
export interface InventoryVendor {
  vendor: string;
  hosts: string[];
  services: string[];
  pii: string[];
  calls: number;
  errors: number;
  first_seen: string;
  last_seen: string;
  routes: InventoryRoute[];
  /** Highest tier sent to the vendor (`annotateInventory`, like every field below). */
  tier?: SensitivityTier;
  /** Its `vendors.<id>` entry sets register keys. */
  registered?: boolean;
  /** Seen on the wire and not in the register. */
  shadow?: boolean;
  /** The register keys that are set, null when not in the register. */
  register?: RegisterFields | null;
  /** Register entries missing for completeness. */
  register_missing?: string[];
  /** What `policy check` fails on for the personal data it receives. */
  register_gaps?: RegisterGap[];
  /** Highest risk of its integrations (common/register/risk-score.ts). */
  risk?: number;
  risk_band?: RiskBand;
  /** Per calling service: what it sends, tier, volume and risk; riskiest first. */
  integrations?: Array<Omit<Integration, 'vendor'>>;
}

export interface InventoryFilter {
  vendor?: string | undefined;
  /** Only traffic at or after this time (epoch ms). */
  sinceMs?: number | undefined;
  /** Only traffic before this time (epoch ms); up to now when absent. */
  untilMs?: number | undefined;
  /** Vendors per page, in vendor order; all when absent. */
  limit?: number | undefined;
  /** Vendors to skip before the page. Default 0. */
  offset?: number | undefined;
}

/** Vendors per page of `/api/vendors`: by default, and at most. */
export const INVENTORY_PAGE_DEFAULT = 100;
export const INVENTORY_PAGE_MAX = 1_000;

/** One page of the inventory; `next_offset` is where the next page starts, absent on the last. */
export interface InventoryPage {
  vendors: InventoryVendor[];
  next_offset?: number;
}

interface RouteRow {
  vendor: string;
  route: string;
  methods: string[];
  services: string[];
  hosts: string[];
  calls: number;
  errors: number;
  first_seen: string;
  last_seen: string;
}
interface FieldRow {
  vendor: string;
  route: string;
  direction: 'request' | 'response';
  field: string;
  types: string[];
  pii: string[];
  calls: number;
  first_at: string;
  last_at: string;
}

const iso = (s: string): string => (s.includes('T') ? s : s.replace(' ', 'T') + 'Z');

/**
 * The inventory and data map (`egresswatch vendors`): rollups give hosts, services, routes and
 * volumes; egress_fields gives the fields with their types and PII classes.
 */
export async function readInventory(store: Store, filter: InventoryFilter = {}): Promise<InventoryVendor[]> {
  return (await readInventoryPage(store, filter)).vendors;
}

/**
 * A page of the inventory: the page's vendors are chosen first (by name), then only their routes
 * and fields are read, so a page costs the same however many vendors the store holds.
 */
export async function readInventoryPage(store: Store, filter: InventoryFilter = {}): Promise<InventoryPage> {
  const since = Math.floor((filter.sinceMs ?? 0) / 1000);
  // UInt32 seconds: the far end of the type stands for "no end".
  const until = filter.untilMs === undefined ? 4_294_967_295 : Math.max(0, Math.ceil(filter.untilMs / 1000));
  const offset = filter.offset ?? 0;
  try {
    let page: string[] | undefined;
    let nextOffset: number | undefined;
    if (filter.limit !== undefined) {
      // One more than the page: whether there is a next page without counting them all.
      const names = await (
        await store.client.query({
          query: `SELECT DISTINCT vendor FROM egress_minute
                  WHERE ({vendor:String} = '' OR vendor = {vendor:String}) AND minute >= toDateTime({since:UInt32}) AND minute < toDateTime({until:UInt32})
                  ORDER BY vendor LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
          query_params: { vendor: filter.vendor ?? '', since, until, limit: filter.limit + 1, offset },
          format: 'JSONEachRow',
        })
      ).json<{ vendor: string }>();
      page = names.slice(0, filter.limit).map((r) => r.vendor);
      if (names.length > filter.limit) nextOffset = offset + filter.limit;
      if (page.length === 0) return { vendors: [] };
    }
    const vendors = await readVendors(store, filter.vendor ?? '', since, until, page);
    return nextOffset === undefined ? { vendors } : { vendors, next_offset: nextOffset };
  } catch (err) {
    throw wrapStoreError(err, 'reading the inventory failed');
  }
}

async function readVendors(store: Store, vendor: string, since: number, until: number, page: readonly string[] | undefined): Promise<InventoryVendor[]> {
  const params = { vendor, since, until, page: page ?? [] };
  const inPage = page ? 'AND vendor IN {page:Array(String)}' : '';
  const routeRows = await (
    await store.client.query({
      query: `SELECT vendor, route, groupUniqArray(method) AS methods, groupUniqArray(service) AS services,
                     groupUniqArray(host) AS hosts, sum(calls) AS calls, sum(errors) AS errors,
                     min(minute) AS first_seen, max(minute) + 59 AS last_seen
              FROM egress_minute
              WHERE ({vendor:String} = '' OR vendor = {vendor:String}) AND minute >= toDateTime({since:UInt32}) AND minute < toDateTime({until:UInt32}) ${inPage}
              GROUP BY vendor, route ORDER BY vendor, calls DESC, route`,
      query_params: params,
      format: 'JSONEachRow',
    })
  ).json<RouteRow>();
  const fieldRows = await (
    await store.client.query({
      query: `SELECT vendor, route, direction, field, arraySort(groupUniqArrayIf(type, type != '')) AS types,
                     arraySort(groupUniqArrayIf(pii, pii != '')) AS pii, sum(calls) AS calls,
                     min(first_seen) AS first_at, max(last_seen) AS last_at
              FROM egress_fields
              WHERE ({vendor:String} = '' OR vendor = {vendor:String}) ${inPage}
              GROUP BY vendor, route, direction, field
              HAVING last_at >= toDateTime64({since:UInt32}, 3) AND min(first_seen) < toDateTime64({until:UInt32}, 3)
              ORDER BY vendor, route, direction, field`,
      query_params: params,
      format: 'JSONEachRow',
    })
  ).json<FieldRow>();

  const fieldsByRoute = new Map<string, InventoryField[]>();
  for (const f of fieldRows) {
    const key = `${f.vendor}\u0000${f.route}`;
    const list = fieldsByRoute.get(key) ?? [];
    list.push({ direction: f.direction, field: f.field, types: f.types, pii: f.pii, calls: Number(f.calls), first_seen: iso(f.first_at), last_seen: iso(f.last_at) });
    fieldsByRoute.set(key, list);
  }
  const vendors = new Map<string, InventoryVendor & { hostSet: Set<string>; serviceSet: Set<string>; piiSet: Set<string> }>();
  for (const r of routeRows) {
    let v = vendors.get(r.vendor);
    if (!v) {
      v = { vendor: r.vendor, hosts: [], services: [], pii: [], calls: 0, errors: 0, first_seen: iso(r.first_seen), last_seen: iso(r.last_seen), routes: [], hostSet: new Set(), serviceSet: new Set(), piiSet: new Set() };
      vendors.set(r.vendor, v);
    }
    const fields = fieldsByRoute.get(`${r.vendor}\u0000${r.route}`) ?? [];
    for (const f of fields) for (const p of f.pii) v.piiSet.add(p);
    r.hosts.forEach((h) => v.hostSet.add(h));
    r.services.forEach((s) => v.serviceSet.add(s));
    v.calls += Number(r.calls);
    v.errors += Number(r.errors);
    if (iso(r.first_seen) < v.first_seen) v.first_seen = iso(r.first_seen);
    if (iso(r.last_seen) > v.last_seen) v.last_seen = iso(r.last_seen);
    v.routes.push({
      route: r.route,
      methods: [...r.methods].sort(),
      services: [...r.services].sort(),
      calls: Number(r.calls),
      errors: Number(r.errors),
      first_seen: iso(r.first_seen),
      last_seen: iso(r.last_seen),
      fields,
    });
  }
  return [...vendors.values()].map(({ hostSet, serviceSet, piiSet, ...v }) => ({
    ...v,
    hosts: [...hostSet].sort(),
    services: [...serviceSet].sort(),
    pii: [...piiSet].sort(),
  }));
}

/** Vendors with any traffic at or after `sinceMs`: the ones a detection step evaluates. */
export async function listActiveVendors(store: Store, sinceMs: number): Promise<string[]> {
  try {
    const rows = await (
      await store.client.query({
        query: 'SELECT DISTINCT vendor FROM egress_minute WHERE minute >= toDateTime({since:UInt32}) ORDER BY vendor',
        query_params: { since: Math.max(0, Math.floor(sinceMs / 1000)) },
        format: 'JSONEachRow',
      })
    ).json<{ vendor: string }>();
    return rows.map((r) => r.vendor);
  } catch (err) {
    throw wrapStoreError(err, 'listing active vendors failed');
  }
}

/**
 * The inventory with the privacy register: tiers on fields, routes and vendors (under the
 * config's `pii.tiers`), the vendor's register entry next to what was observed, shadow flags,
 * and per calling service the integration's risk (`flows`: storage/register-queries.ts, same
 * window). Sorted riskiest first, then by name. Pure, so the CLI can annotate what a running
 * instance returns with its own config, as `policy check` does.
 */
export function annotateInventory(vendors: readonly InventoryVendor[], flows: readonly RouteFlow[], config: PiiPolicyConfig): InventoryVendor[] {
  const model = buildRegister(flows, config);
  const views = new Map(model.vendors.map((v) => [v.vendor, v]));
  const annotated = vendors.map((v): InventoryVendor => {
    const view = views.get(v.vendor);
    const routes = v.routes.map((r) => ({
      ...r,
      fields: r.fields.map((f) => ({ ...f, tier: tierOfClasses(f.pii, config) })),
      tier: tierOfClasses(
        r.fields.filter((f) => f.direction === 'request').flatMap((f) => f.pii),
        config,
      ),
    }));
    const sent = routes.flatMap((r) => r.fields.filter((f) => f.direction === 'request').flatMap((f) => f.pii));
    return {
      ...v,
      routes,
      tier: tierOfClasses(sent, config),
      registered: isRegistered(v.vendor, config),
      shadow: !isRegistered(v.vendor, config),
      register: registerFields(v.vendor, config),
      register_missing: view?.missing ?? [],
      register_gaps: view?.gaps ?? [],
      risk: view?.risk ?? 0,
      risk_band: view?.risk_band ?? 'none',
      integrations: model.integrations.filter((i) => i.vendor === v.vendor).map(({ vendor: _vendor, ...rest }) => rest),
    };
  });
  return annotated.sort((a, b) => (b.risk ?? 0) - (a.risk ?? 0) || a.vendor.localeCompare(b.vendor));
}

