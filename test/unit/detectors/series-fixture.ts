import { quantile } from 'simple-statistics';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import type { MinuteRollup } from '../../../common/types.js';
import type { SeriesBaseline, SlotStats, TrafficSeries } from '../../../common/history.js';
import { hourOfDay, hourOfWeek } from '../../../detectors/seasonal-baseline.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** One minute of traffic as a test writes it. */
export interface Point {
  calls: number;
  requestBytes?: number;
  errors?: number;
  latencyP95Ms?: number;
}

function q(values: number[]): { q25: number; q50: number; q75: number } {
  return values.length === 0 ? { q25: 0, q50: 0, q75: 0 } : { q25: quantile(values, 0.25), q50: quantile(values, 0.5), q75: quantile(values, 0.75) };
}

/**
 * Builds the TrafficSeries evaluateStep would assemble from ClickHouse: `history(t)` gives the
 * traffic of every minute in [start, now - recent - 3 h), `recent(t)` the minutes after; the last
 * recent minute is the one evaluated. Slot statistics are computed exactly as the SQL does.
 */
export function buildSeries(opts: {
  start: number;
  now: number;
  recentMinutes?: number;
  traffic: (t: number) => Point;
  vendor?: string;
  service?: string;
  /** The live baseline's p95 over every call of the last day, when the test knows it (else the median per-minute p95). */
  latencyP95Ms?: number;
}): TrafficSeries {
  const recentMinutes = opts.recentMinutes ?? DEFAULT_DETECTION_CONFIG.recent_minutes;
  const recentFrom = opts.now - recentMinutes * MIN;
  const levelTo = Math.floor(recentFrom / HOUR) * HOUR;
  const baselineEnd = levelTo - 3 * HOUR;
  const vendor = opts.vendor ?? 'stripe';
  const service = opts.service ?? 'checkout';
  const recentHours: TrafficSeries['recentHours'] = [];
  for (let h = baselineEnd; h < levelTo; h += HOUR) {
    const hour = { hour: h, calls: 0, requestBytes: 0, responseBytes: 0, errors: 0 };
    for (let t = h; t < h + HOUR; t += MIN) {
      const p = opts.traffic(t);
      hour.calls += p.calls;
      hour.errors += p.errors ?? 0;
      hour.requestBytes += p.requestBytes ?? p.calls * 400;
      hour.responseBytes += p.calls * 900;
    }
    recentHours.push(hour);
  }
  const minutes: MinuteRollup[] = [];
  for (let t = recentFrom; t < opts.now; t += MIN) {
    const p = opts.traffic(t);
    minutes.push({ minute: t, vendor, service, calls: p.calls, errors: p.errors ?? 0, requestBytes: p.requestBytes ?? p.calls * 400, responseBytes: p.calls * 900, latencyP95Ms: p.calls > 0 ? (p.latencyP95Ms ?? 100) : Number.NaN });
  }
  // Baselines change hourly; a replay minute by minute reuses them, as the worker's cache does.
  let cached = baselines.get(opts.traffic);
  if (!cached) baselines.set(opts.traffic, (cached = new Map()));
  const cacheKey = `${opts.start}|${baselineEnd}`;
  let baseline = cached.get(cacheKey);
  if (!baseline) cached.set(cacheKey, (baseline = buildBaseline(opts.start, baselineEnd, opts.traffic)));
  if (opts.latencyP95Ms !== undefined) baseline = { ...baseline, latencyP95Median: opts.latencyP95Ms, latencyP95Mad: Number.NaN };
  return { vendor, service, minutes, recentHours, baseline };
}

const baselines = new WeakMap<(t: number) => Point, Map<string, SeriesBaseline>>();

function buildBaseline(start: number, baselineEnd: number, traffic: (t: number) => Point): SeriesBaseline {
  const week = new Map<number, { minutes: number; calls: number[]; rq: number[]; rs: number[] }>();
  const day = new Map<number, { minutes: number; calls: number[]; rq: number[]; rs: number[] }>();
  let calls = 0;
  let errors = 0;
  let bytes = 0;
  const lat: number[] = [];
  let firstMinute = Number.POSITIVE_INFINITY;
  for (let t = start; t < baselineEnd; t += MIN) {
    const p = traffic(t);
    for (const [map, slot] of [
      [week, hourOfWeek(t)],
      [day, hourOfDay(t)],
    ] as const) {
      let s = map.get(slot);
      if (!s) map.set(slot, (s = { minutes: 0, calls: [], rq: [], rs: [] }));
      s.minutes++;
      if (p.calls > 0) {
        s.calls.push(p.calls);
        s.rq.push(p.requestBytes ?? p.calls * 400);
        s.rs.push(p.calls * 900);
      }
    }
    if (p.calls > 0) firstMinute = Math.min(firstMinute, t);
    calls += p.calls;
    errors += p.errors ?? 0;
    bytes += p.requestBytes ?? p.calls * 400;
    if (p.calls >= 3 && t >= baselineEnd - DAY) lat.push(p.latencyP95Ms ?? 100);
  }
  const toStats = (s: { minutes: number; calls: number[]; rq: number[]; rs: number[] }): SlotStats => ({
    minutes: s.minutes,
    active: s.calls.length,
    calls: q(s.calls),
    requestBytes: q(s.rq),
    responseBytes: q(s.rs),
  });
  const latMedian = lat.length ? quantile(lat, 0.5) : Number.NaN;
  return {
    firstMinute: Number.isFinite(firstMinute) ? firstMinute : start,
    hourOfWeek: new Map([...week].map(([k, v]) => [k, toStats(v)])),
    hourOfDay: new Map([...day].map(([k, v]) => [k, toStats(v)])),
    errorRatio: calls > 0 ? errors / calls : 0,
    calls,
    latencyP95Median: latMedian,
    latencyP95Mad: lat.length ? quantile(lat.map((x) => Math.abs(x - latMedian)), 0.5) : Number.NaN,
    requestBytesPerCall: calls > 0 ? bytes / calls : 0,
  };
}

/** Deterministic Poisson sample (Knuth) from a seeded generator. */
export function poisson(lambda: number, random: () => number): number {
  if (lambda <= 0) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(random)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= random();
  } while (p > l);
  return k - 1;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(1e-12, random()))) * Math.cos(2 * Math.PI * random());
}

/** Business-hours curve: weekdays 08–18 UTC full, nights 30%, weekends half. */
export function businessCurve(t: number): number {
  const d = new Date(t);
  const h = d.getUTCHours();
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
  return (h >= 8 && h < 18 ? 1 : 0.3) * (weekend ? 0.5 : 1);
}
