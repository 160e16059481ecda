/**
 * Reads for the privacy register (common/register/): route flows per (service, vendor, route)
 * over a window, and the daily count of sensitive fields per vendor (the KPI, from the
 * `egress_pii_daily` rollup of migration 010).
 */
import type { FlowField, RouteFlow } from '../common/register/route-flow.js';
import { wrapStoreError, type Store } from './store.js';

/** What to read: traffic in [sinceMs, untilMs), optionally of some vendors only. */
export interface RouteFlowFilter {
  /** Epoch ms; default 0 (all kept history). */
  sinceMs?: number | undefined;
  /** Epoch ms; default no end. */
  untilMs?: number | undefined;
  /** Only these vendors; all when absent. */
  vendors?: readonly string[] | undefined;
}

interface FlowRow {
  service: string;
  vendor: string;
  route: string;
  methods: string[];
  hosts: string[];
  calls: string | number;
  errors: string | number;
  first_seen: string;
  last_seen: string;
}
interface FieldRow {
  service: string;
  vendor: string;
  route: string;
  direction: 'request' | 'response';
  field: string;
  types: string[];
  pii: string[];
  n: string | number;
  first_at: string;
  last_at: string;
}

/** A store time (`2026-11-23 10:00:59` or with `.000`) as RFC 3339 to the second, as the inventory prints times. */
function isoSeconds(clickhouseTime: string): string {
  return `${clickhouseTime.replace(' ', 'T').replace(/\.\d+$/, '')}Z`;
}

/** Seconds bounds as the inventory uses them: UInt32, its far end standing for "no end". */
function bounds(filter: RouteFlowFilter): { since: number; until: number } {
  return {
    since: Math.max(0, Math.floor((filter.sinceMs ?? 0) / 1000)),
    until: filter.untilMs === undefined ? 4_294_967_295 : Math.max(0, Math.ceil(filter.untilMs / 1000)),
  };
}

/**
 * Every (service, vendor, route) with calls in the window, with its fields. Calls, errors and
 * first/last seen come from `egress_minute` (within the window); fields from `egress_fields`
 * (those seen during the window; their call counts are lifetime, as everywhere in the data map).
 */
export async function readRouteFlows(store: Store, filter: RouteFlowFilter = {}): Promise<RouteFlow[]> {
  const params = { ...bounds(filter), all: filter.vendors === undefined ? 1 : 0, vendors: [...(filter.vendors ?? [])] };
  const inVendors = '({all:UInt8} = 1 OR vendor IN {vendors:Array(String)})';
  try {
    const flowRows = await (
      await store.client.query({
        query: `SELECT service, vendor, route, arraySort(groupUniqArray(method)) AS methods, arraySort(groupUniqArray(host)) AS hosts,
                       sum(calls) AS calls, sum(errors) AS errors, min(minute) AS first_seen, max(minute) + 59 AS last_seen
                FROM egress_minute
                WHERE ${inVendors} AND minute >= toDateTime({since:UInt32}) AND minute < toDateTime({until:UInt32})
                GROUP BY service, vendor, route
                ORDER BY vendor, service, route`,
        query_params: params,
        format: 'JSONEachRow',
      })
    ).json<FlowRow>();
    if (flowRows.length === 0) return [];
    const fieldRows = await (
      await store.client.query({
        query: `SELECT service, vendor, route, direction, field, arraySort(groupUniqArrayIf(type, type != '')) AS types,
                       arraySort(groupUniqArrayIf(pii, pii != '')) AS pii, sum(calls) AS n,
                       min(first_seen) AS first_at, max(last_seen) AS last_at
                FROM egress_fields
                WHERE ${inVendors}
                GROUP BY service, vendor, route, direction, field
                HAVING last_at >= toDateTime64({since:UInt32}, 3) AND first_at < toDateTime64({until:UInt32}, 3)
                ORDER BY vendor, service, route, direction, field`,
        query_params: params,
        format: 'JSONEachRow',
      })
    ).json<FieldRow>();
    const fields = new Map<string, FlowField[]>();
    for (const f of fieldRows) {
      const key = JSON.stringify([f.service, f.vendor, f.route]);
      const list = fields.get(key) ?? [];
      list.push({ direction: f.direction, field: f.field, types: f.types, pii: f.pii, calls: Number(f.n), first_seen: isoSeconds(f.first_at), last_seen: isoSeconds(f.last_at) });
      fields.set(key, list);
    }
    return flowRows.map((r) => ({
      service: r.service,
      vendor: r.vendor,
      route: r.route,
      methods: r.methods,
      hosts: r.hosts,
      calls: Number(r.calls),
      errors: Number(r.errors),
      first_seen: isoSeconds(r.first_seen),
      last_seen: isoSeconds(r.last_seen),
      fields: fields.get(JSON.stringify([r.service, r.vendor, r.route])) ?? [],
    }));
  } catch (err) {
    throw wrapStoreError(err, 'reading the register flows failed');
  }
}

/** Days per KPI answer at most: a bit over a year, the rollup's default retention (400 days). */
export const KPI_MAX_DAYS = 400;

/** The KPI over days, column-wise like the series API. */
export interface PiiKpi {
  /** UTC days, `YYYY-MM-DD`, every day of the range (no gaps). */
  days: string[];
  /** Distinct (vendor, route, field) carrying a sensitive class, per day, over all vendors. */
  total: number[];
  /** Per vendor, distinct (route, field) carrying a sensitive class, per day; busiest vendors first. */
  vendors: Array<{ vendor: string; fields: number[] }>;
}

export interface PiiKpiOptions {
  fromMs: number;
  toMs: number;
  /**
   * Classes that do not count as sensitive (tier below `personal` under the config). Every other
   * class counts, custom ones included — the default tiers put none below `personal`.
   */
  notSensitive: readonly string[];
}

/**
 * Sensitive fields sent per vendor per UTC day, from the `egress_pii_daily` rollup: a field
 * is (vendor, route, field path), counted once per day however many services send it.
 */
export async function readPiiKpi(store: Store, options: PiiKpiOptions): Promise<PiiKpi> {
  const dayMs = 86_400_000;
  const firstDay = Math.floor(options.fromMs / dayMs) * dayMs;
  const lastDay = Math.floor((Math.max(options.fromMs, options.toMs - 1)) / dayMs) * dayMs;
  const count = Math.min(KPI_MAX_DAYS, Math.round((lastDay - firstDay) / dayMs) + 1);
  const start = lastDay - (count - 1) * dayMs;
  const days = Array.from({ length: count }, (_, i) => new Date(start + i * dayMs).toISOString().slice(0, 10));
  const params = { from: days[0]!, to: days[days.length - 1]!, below: [...options.notSensitive] };
  try {
    const rows = await (
      await store.client.query({
        query: `SELECT toString(day) AS d, vendor, uniqExact(route, field) AS n
                FROM egress_pii_daily
                WHERE day >= toDate({from:String}) AND day <= toDate({to:String}) AND pii NOT IN {below:Array(String)}
                GROUP BY day, vendor
                ORDER BY day, vendor`,
        query_params: params,
        format: 'JSONEachRow',
      })
    ).json<{ d: string; vendor: string; n: string | number }>();
    const totals = await (
      await store.client.query({
        query: `SELECT toString(day) AS d, uniqExact(vendor, route, field) AS n
                FROM egress_pii_daily
                WHERE day >= toDate({from:String}) AND day <= toDate({to:String}) AND pii NOT IN {below:Array(String)}
                GROUP BY day`,
        query_params: params,
        format: 'JSONEachRow',
      })
    ).json<{ d: string; n: string | number }>();
    const index = new Map(days.map((d, i) => [d, i]));
    const total = days.map(() => 0);
    for (const t of totals) {
      const i = index.get(t.d);
      if (i !== undefined) total[i] = Number(t.n);
    }
    const byVendor = new Map<string, number[]>();
    for (const r of rows) {
      const i = index.get(r.d);
      if (i === undefined) continue;
      const list = byVendor.get(r.vendor) ?? days.map(() => 0);
      list[i] = Number(r.n);
      byVendor.set(r.vendor, list);
    }
    const vendors = [...byVendor].map(([vendor, fields]) => ({ vendor, fields }));
    const peak = (v: { fields: number[] }): number => Math.max(...v.fields);
    vendors.sort((a, b) => peak(b) - peak(a) || a.vendor.localeCompare(b.vendor));
    return { days, total, vendors };
  } catch (err) {
    throw wrapStoreError(err, 'reading the sensitive-field KPI failed');
  }
}
