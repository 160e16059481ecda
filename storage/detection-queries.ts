import type { MinuteRollup } from '../common/types.js';
import type { Destination, MapField, SlotQuantiles, SlotStats } from '../common/history.js';
import { logger } from '../common/logger.js';
import { wrapStoreError, type Store } from './store.js';

const log = logger('detection-queries');

/**
 * The reads detection needs. Heavy work (per-minute sums over host/method/route, quantiles of a
 * season slot over four weeks) runs in ClickHouse; Node receives one row per series and slot, plus
 * the few recent minutes it scores. Every value goes through query_params.
 */

function dt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function vendorFilter(vendors: readonly string[] | undefined): string {
  return vendors && vendors.length > 0 ? 'AND vendor IN {vendors:Array(String)}' : '';
}

async function rows<T>(store: Store, query: string, params: Record<string, unknown>, what: string): Promise<T[]> {
  try {
    const started = Date.now();
    const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
    const out = await rs.json<T>();
    log.debug({ query: what, ms: Date.now() - started, rows: out.length }, 'detection read');
    return out;
  } catch (err) {
    throw wrapStoreError(err, `detection: reading ${what} failed`);
  }
}

/** Per (vendor, service) and minute in [from, to): sums over host/method/route, p95 in ms. */
export async function readRecentMinutes(store: Store, from: number, to: number, vendors?: readonly string[]): Promise<MinuteRollup[]> {
  const data = await rows<{ vendor: string; service: string; t: number; calls: number; errors: number; rq: number; rs: number; p95: number | null }>(
    store,
    `SELECT vendor, service, toUnixTimestamp(minute) * 1000 AS t, sum(calls) AS calls, sum(errors) AS errors,
            sum(request_bytes) AS rq, sum(response_bytes) AS rs, quantilesMerge(0.5, 0.95, 0.99)(duration_q)[2] / 1e6 AS p95
     FROM egress_minute
     WHERE minute >= {from:DateTime} AND minute < {to:DateTime} ${vendorFilter(vendors)}
     GROUP BY vendor, service, minute`,
    { from: dt(from), to: dt(to), vendors: vendors ?? [] },
    'recent minutes',
  );
  return data.map((r) => ({
    minute: Number(r.t),
    vendor: r.vendor,
    service: r.service,
    calls: Number(r.calls),
    errors: Number(r.errors),
    requestBytes: Number(r.rq),
    responseBytes: Number(r.rs),
    latencyP95Ms: r.p95 === null || !Number.isFinite(Number(r.p95)) ? Number.NaN : Number(r.p95),
  }));
}

/** One complete hour of one (vendor, service). */
export interface RecentHourRow {
  vendor: string;
  service: string;
  /** Start of the hour, epoch ms. */
  hour: number;
  calls: number;
  errors: number;
  requestBytes: number;
  responseBytes: number;
}

/**
 * Hourly totals per (vendor, service) for the hours in [from, to), errors included: the error rule
 * judges against the recent hours' error ratio where a job's failures do not follow its calls.
 */
export async function readRecentHours(store: Store, from: number, to: number, vendors?: readonly string[]): Promise<RecentHourRow[]> {
  const data = await rows<{ vendor: string; service: string; h: number; calls: number; errors: number; rq: number; rs: number }>(
    store,
    `SELECT vendor, service, toUnixTimestamp(toStartOfHour(minute)) * 1000 AS h, sum(calls) AS calls, sum(errors) AS errors,
            sum(request_bytes) AS rq, sum(response_bytes) AS rs
     FROM egress_minute
     WHERE minute >= {from:DateTime} AND minute < {to:DateTime} ${vendorFilter(vendors)}
     GROUP BY vendor, service, h`,
    { from: dt(from), to: dt(to), vendors: vendors ?? [] },
    'recent hours',
  );
  return data.map((r) => ({
    vendor: r.vendor,
    service: r.service,
    hour: Number(r.h),
    calls: Number(r.calls),
    errors: Number(r.errors),
    requestBytes: Number(r.rq),
    responseBytes: Number(r.rs),
  }));
}

/** One season slot of one series; `dow` 1..7 (Monday = 1) for hour-of-week, 0 for hour-of-day. */
export interface SlotRow {
  vendor: string;
  /** '' for the vendor as a whole. */
  service: string;
  dow: number;
  hour: number;
  stats: Omit<SlotStats, 'minutes'>;
}

/** One UTC hour of the day whose slots are read over [from, to). */
export interface SlotSpan {
  hour: number;
  from: number;
  to: number;
}

/**
 * The starts of every hour of each span within its range. Filtering on these (rather than on
 * toHour(minute)) lets ClickHouse skip granules by the minute column of the sort key.
 */
function hourStarts(spans: readonly SlotSpan[]): string[] {
  const out: string[] = [];
  for (const s of spans) {
    for (let h = Math.ceil(s.from / 3_600_000) * 3_600_000; h < s.to; h += 3_600_000) {
      if (new Date(h).getUTCHours() === s.hour) out.push(dt(h));
    }
  }
  return out;
}

function quantiles(a: number[] | undefined): SlotQuantiles {
  return { q25: Number(a?.[0] ?? 0), q50: Number(a?.[1] ?? 0), q75: Number(a?.[2] ?? 0) };
}

/**
 * Quantiles of the per-minute values of each span's UTC hour over its range, per (vendor, service)
 * and per vendor, both as hour-of-week and hour-of-day slots. Minutes without traffic have no row;
 * `active` says how many had one, and the caller accounts for the idle ones. Several spans are
 * read in one scan: on 2,000 series × 7 days, six hours read one by one took ~4.5 s each.
 */
export async function readSeasonSlots(store: Store, spans: readonly SlotSpan[], vendors?: readonly string[]): Promise<SlotRow[]> {
  if (spans.length === 0) return [];
  const from = Math.min(...spans.map((s) => s.from));
  const to = Math.max(...spans.map((s) => s.to));
  const data = await rows<{ vendor: string; service: string; dow: number; hour: number; active: number; qc: number[]; qrq: number[]; qrs: number[] }>(
    store,
    `WITH per_minute AS (
        SELECT vendor, service, minute, sum(calls) AS c, sum(request_bytes) AS rq, sum(response_bytes) AS rs
        FROM egress_minute
        WHERE minute >= {from:DateTime} AND minute < {to:DateTime} AND toStartOfHour(minute) IN {starts:Array(DateTime)} ${vendorFilter(vendors)}
        GROUP BY vendor, service, minute
     ), series AS (
        SELECT vendor, toString(service) AS service, minute, c, rq, rs FROM per_minute
        UNION ALL
        SELECT vendor, '' AS service, minute, sum(c) AS c, sum(rq) AS rq, sum(rs) AS rs FROM per_minute GROUP BY vendor, minute
     )
     SELECT vendor, service, d AS dow, hour, count() AS active,
            quantiles(0.25, 0.5, 0.75)(c) AS qc, quantiles(0.25, 0.5, 0.75)(rq) AS qrq, quantiles(0.25, 0.5, 0.75)(rs) AS qrs
     FROM (SELECT vendor, service, toDayOfWeek(minute) AS d, toHour(minute) AS hour, c, rq, rs FROM series)
     -- Without group_by_use_nulls the hour-of-day set reports d = 0, which no weekday (1..7) uses.
     GROUP BY GROUPING SETS ((vendor, service, d, hour), (vendor, service, hour))
     SETTINGS group_by_use_nulls = 0`,
    { from: dt(from), to: dt(to), starts: hourStarts(spans), vendors: vendors ?? [] },
    'season slots',
  );
  return data.map((r) => ({
    vendor: r.vendor,
    service: r.service,
    dow: Number(r.dow),
    hour: Number(r.hour),
    stats: { active: Number(r.active), calls: quantiles(r.qc), requestBytes: quantiles(r.qrq), responseBytes: quantiles(r.qrs) },
  }));
}

/** Long-run figures per (vendor, service) and per vendor over [from, to). */
export interface SeriesTotals {
  vendor: string;
  service: string;
  firstMinute: number;
  calls: number;
  errors: number;
  requestBytes: number;
  /** p95 latency (ms) over all calls of [latencyFrom, to); NaN without calls. */
  latencyP95Median: number;
  /** Not computed in SQL (a per-minute p95 over days costs seconds); NaN lets the detector use its floor. */
  latencyP95Mad: number;
}

/**
 * Sums over the whole history need no per-minute grouping, so they scan four columns once; the
 * latency baseline merges the quantile states of the last day only.
 */
export async function readSeriesTotals(store: Store, from: number, to: number, latencyFrom: number, vendors?: readonly string[]): Promise<SeriesTotals[]> {
  const params = { from: dt(from), to: dt(to), lfrom: dt(latencyFrom), vendors: vendors ?? [] };
  // Two reads: the sums never touch the quantile states, and only the last day's states are merged.
  const [sums, latency] = await Promise.all([
    rows<{ vendor: string; service: string; first: number; calls: number; errors: number; rq: number }>(
      store,
      `SELECT vendor, toString(service) AS service, toUnixTimestamp(min(minute)) * 1000 AS first, sum(calls) AS calls, sum(errors) AS errors, sum(request_bytes) AS rq
       FROM egress_minute
       WHERE minute >= {from:DateTime} AND minute < {to:DateTime} ${vendorFilter(vendors)}
       GROUP BY GROUPING SETS ((vendor, service), (vendor))`,
      params,
      'series totals',
    ),
    rows<{ vendor: string; service: string; p95: number | null }>(
      store,
      `SELECT vendor, toString(service) AS service, quantilesMerge(0.5, 0.95, 0.99)(duration_q)[2] / 1e6 AS p95
       FROM egress_minute
       WHERE minute >= {lfrom:DateTime} AND minute < {to:DateTime} ${vendorFilter(vendors)}
       GROUP BY vendor, service`,
      params,
      'latency baseline',
    ),
  ]);
  const p95 = new Map(latency.map((r) => [`${r.vendor}\u0000${r.service}`, r.p95 === null ? Number.NaN : Number(r.p95)]));
  return sums.map((r) => {
    const p = p95.get(`${r.vendor}\u0000${r.service}`) ?? Number.NaN;
    return {
      vendor: r.vendor,
      service: r.service,
      firstMinute: Number(r.first),
      calls: Number(r.calls),
      errors: Number(r.errors),
      requestBytes: Number(r.rq),
      latencyP95Median: Number.isFinite(p) && p > 0 ? p : Number.NaN,
      latencyP95Mad: Number.NaN,
    };
  });
}

/** The data map, per service, with first/last seen as epoch ms. */
export async function readFieldMap(store: Store, vendors?: readonly string[]): Promise<MapField[]> {
  const data = await rows<{ vendor: string; service: string; route: string; direction: string; field: string; type: string; pii: string; fs: number; ls: number; calls: number }>(
    store,
    `SELECT vendor, service, route, direction, field, type, pii,
            toUnixTimestamp64Milli(min(first_seen)) AS fs, toUnixTimestamp64Milli(max(last_seen)) AS ls, sum(calls) AS calls
     FROM egress_fields WHERE 1 ${vendorFilter(vendors)}
     GROUP BY vendor, service, route, direction, field, type, pii`,
    { vendors: vendors ?? [] },
    'data map',
  );
  return data.map((r) => ({
    vendor: r.vendor,
    service: r.service,
    route: r.route,
    direction: r.direction === 'response' ? 'response' : 'request',
    field: r.field,
    type: r.type,
    pii: r.pii,
    firstSeen: Number(r.fs),
    lastSeen: Number(r.ls),
    calls: Number(r.calls),
  }));
}

/** Calls of one vendor + route in one minute. */
export interface RouteMinute {
  vendor: string;
  route: string;
  /** Start of the minute, epoch ms. */
  minute: number;
  calls: number;
}

/**
 * Calls per vendor + route and minute in [from, to). Route activity (the data map's routes and
 * their recent calls) and the `{over_budget}` route's hits are both sums of these; read
 * incrementally they cost a few minutes' scan per cycle where the two reads they replace scanned
 * the last 60 minutes and the evaluated minute (detectors/route-activity.ts).
 */
export async function readRouteMinutes(store: Store, from: number, to: number, vendors?: readonly string[]): Promise<RouteMinute[]> {
  const data = await rows<{ vendor: string; route: string; t: number; calls: number }>(
    store,
    `SELECT vendor, route, toUnixTimestamp(minute) * 1000 AS t, sum(calls) AS calls FROM egress_minute
     WHERE minute >= {from:DateTime} AND minute < {to:DateTime} ${vendorFilter(vendors)}
     GROUP BY vendor, route, minute`,
    { from: dt(from), to: dt(to), vendors: vendors ?? [] },
    'route minutes',
  );
  return data.map((r) => ({ vendor: r.vendor, route: r.route, minute: Number(r.t), calls: Number(r.calls) }));
}

/** Every (service, vendor, host) with traffic in [from, to), first and last minute seen. */
export async function readDestinations(store: Store, from: number, to: number): Promise<Destination[]> {
  const data = await rows<{ service: string; vendor: string; host: string; fs: number; ls: number }>(
    store,
    `SELECT service, vendor, host, toUnixTimestamp(min(minute)) * 1000 AS fs, toUnixTimestamp(max(minute)) * 1000 AS ls
     FROM egress_minute WHERE minute >= {from:DateTime} AND minute < {to:DateTime}
     GROUP BY service, vendor, host`,
    { from: dt(from), to: dt(to) },
    'destinations',
  );
  return data.map((r) => ({ service: r.service, vendor: r.vendor, host: r.host, firstSeen: Number(r.fs), lastSeen: Number(r.ls) }));
}
