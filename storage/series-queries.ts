import { wrapStoreError, type Store } from './store.js';

/**
 * Bucket sizes a series may use, in seconds: round steps, so that buckets start on whole minutes,
 * hours or (UTC) days and a chart's ticks fall on them. Beyond a day, whole days.
 */
const NICE_STEPS_SECONDS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400] as const;

/** Points per series at most, by default: more than a chart a few hundred pixels wide can show. */
export const SERIES_MAX_POINTS = 500;
/** Vendors per request at most: the console asks for one page of its inventory (50) at a time. */
export const SERIES_MAX_VENDORS = 50;

/** What to read: vendors over [fromMs, toMs), in buckets. */
export interface SeriesOptions {
  vendors: readonly string[];
  fromMs: number;
  toMs: number;
  /**
   * Wanted bucket size in seconds; rounded up to a nice step, and raised when the range would
   * need more than `maxPoints` buckets. Default: the smallest step that fits.
   */
  stepSeconds?: number | undefined;
  /** Buckets per series at most. Default {@link SERIES_MAX_POINTS}. */
  maxPoints?: number | undefined;
}

/** Per-bucket totals of one vendor, column-wise (the shape charting libraries take). */
export interface VendorSeries {
  vendor: string;
  /** Bucket starts, Unix seconds; every bucket of the range is present (no gaps). */
  t: number[];
  calls: number[];
  errors: number[];
  request_bytes: number[];
  response_bytes: number[];
  /** p95 latency in ms over the bucket's calls; null in a bucket without calls. */
  p95_ms: Array<number | null>;
}

/** The series of a request, and the buckets they use. */
export interface SeriesResult {
  /** Start of the first bucket (the range's start, rounded down to a bucket boundary), epoch ms. */
  fromMs: number;
  toMs: number;
  stepSeconds: number;
  series: VendorSeries[];
}

/**
 * The bucket size for a range: the smallest nice step that is at least `wantedSeconds` and keeps
 * the range within `maxPoints` buckets (a bucket boundary before the start adds one).
 */
export function seriesStepSeconds(rangeMs: number, wantedSeconds = 60, maxPoints = SERIES_MAX_POINTS): number {
  const rangeSeconds = Math.max(1, Math.ceil(rangeMs / 1000));
  const minimum = Math.max(60, wantedSeconds, Math.ceil(rangeSeconds / Math.max(1, maxPoints - 1)));
  const nice = NICE_STEPS_SECONDS.find((s) => s >= minimum);
  return nice ?? Math.ceil(minimum / 86_400) * 86_400;
}

interface BucketRow {
  vendor: string;
  i: number | string;
  calls: number | string;
  errors: number | string;
  rq: number | string;
  rs: number | string;
  p95: number | string | null;
}

/**
 * Calls, errors, request/response bytes and p95 latency per vendor and bucket, from the
 * per-minute rollup (`egress_minute`). Buckets are aligned on multiples of the step since the
 * epoch, so the same minute lands in the same bucket whatever the range; the first bucket starts
 * at or before `fromMs`. p95 merges the minutes' quantile states (not an average of p95s).
 */
export async function readVendorSeries(store: Store, options: SeriesOptions): Promise<SeriesResult> {
  const stepSeconds = seriesStepSeconds(options.toMs - options.fromMs, options.stepSeconds, options.maxPoints);
  const from = Math.floor(options.fromMs / 1000 / stepSeconds) * stepSeconds;
  const to = Math.ceil(options.toMs / 1000);
  const buckets = Math.max(0, Math.ceil((to - from) / stepSeconds));
  const vendors = [...new Set(options.vendors)];
  let rows: BucketRow[] = [];
  if (vendors.length > 0 && buckets > 0) {
    try {
      const rs = await store.client.query({
        query: `SELECT vendor, intDiv(toUnixTimestamp(minute) - {from:UInt32}, {step:UInt32}) AS i,
                       sum(calls) AS calls, sum(errors) AS errors, sum(request_bytes) AS rq, sum(response_bytes) AS rs,
                       quantilesMerge(0.5, 0.95, 0.99)(duration_q)[2] / 1e6 AS p95
                FROM egress_minute
                WHERE vendor IN {vendors:Array(String)} AND minute >= toDateTime({from:UInt32}) AND minute < toDateTime({to:UInt32})
                GROUP BY vendor, i
                ORDER BY vendor, i`,
        query_params: { vendors, from, to, step: stepSeconds },
        format: 'JSONEachRow',
      });
      rows = await rs.json<BucketRow>();
    } catch (err) {
      throw wrapStoreError(err, 'reading the vendor series failed');
    }
  }
  const byVendor = new Map(vendors.map((vendor) => [vendor, emptySeries(vendor, from, stepSeconds, buckets)]));
  for (const r of rows) {
    const s = byVendor.get(r.vendor);
    const i = Number(r.i);
    if (!s || !(i >= 0 && i < buckets)) continue;
    s.calls[i] = Number(r.calls);
    s.errors[i] = Number(r.errors);
    s.request_bytes[i] = Number(r.rq);
    s.response_bytes[i] = Number(r.rs);
    const p95 = r.p95 === null ? Number.NaN : Number(r.p95);
    s.p95_ms[i] = Number.isFinite(p95) && s.calls[i]! > 0 ? Math.round(p95 * 1000) / 1000 : null;
  }
  return { fromMs: from * 1000, toMs: options.toMs, stepSeconds, series: [...byVendor.values()] };
}

function emptySeries(vendor: string, from: number, step: number, buckets: number): VendorSeries {
  const zeros = (): number[] => new Array<number>(buckets).fill(0);
  return {
    vendor,
    t: Array.from({ length: buckets }, (_, i) => from + i * step),
    calls: zeros(),
    errors: zeros(),
    request_bytes: zeros(),
    response_bytes: zeros(),
    p95_ms: new Array<number | null>(buckets).fill(null),
  };
}
