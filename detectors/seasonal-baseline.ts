import type { SeriesBaseline, SlotQuantiles, SlotStats, TrafficSeries } from '../common/history.js';
import type { SeasonalHint } from './window-verdicts.js';

/** The traffic metrics with seasonal baselines. */
export type VolumeMetric = 'calls' | 'requestBytes' | 'responseBytes';

/** Minutes of a slot's history before it is trusted: two occurrences of an hour-of-week slot, or of an hour of the day. */
const MIN_SLOT_MINUTES = 120;
/** A service that started yesterday: one day of hour-of-day history is better than none. */
const MIN_DAY_SLOT_MINUTES = 60;
/** The recent level may move the seasonal expectation by at most this factor either way. */
const MAX_LEVEL_FACTOR = 2;
/** The pull of a pooled recent level towards 1, in expected calls: 3 calls instead of 2 move nothing. */
const MIN_LEVEL_CALLS = 30;

const HOUR_MS = 3_600_000;

/** Hour of the week, 0 = Monday 00:00 UTC. (The epoch began on a Thursday, hour 72 of its week.) */
export function hourOfWeek(t: number): number {
  return (((Math.floor(t / HOUR_MS) + 72) % 168) + 168) % 168;
}

export function hourOfDay(t: number): number {
  return ((Math.floor(t / HOUR_MS) % 24) + 24) % 24;
}

/**
 * Quantile `q` of a slot's per-minute values counting the minutes without traffic as zeros: the
 * quantiles come from active minutes only (that is what ClickHouse stores), so shift the level.
 */
function quantileWithZeros(stats: SlotStats, metric: VolumeMetric, q: number): number {
  const active = Math.min(1, stats.active / Math.max(1, stats.minutes));
  const idle = 1 - active;
  if (q <= idle || active === 0) return 0;
  const level = (q - idle) / active;
  const s: SlotQuantiles = stats[metric];
  if (level <= 0.25) return s.q25;
  if (level <= 0.5) return s.q25 + ((s.q50 - s.q25) * (level - 0.25)) / 0.25;
  if (level <= 0.75) return s.q50 + ((s.q75 - s.q50) * (level - 0.5)) / 0.25;
  return s.q75;
}

/** The slot that speaks for minute `t`: hour-of-week with two weeks behind it, else hour-of-day. */
export function slotFor(baseline: SeriesBaseline, t: number): SlotStats | undefined {
  const week = baseline.hourOfWeek.get(hourOfWeek(t));
  if (week && week.minutes >= MIN_SLOT_MINUTES) return week;
  const day = baseline.hourOfDay.get(hourOfDay(t));
  if (day && day.minutes >= MIN_DAY_SLOT_MINUTES) return day;
  return undefined;
}

/** Below this share of active minutes the share itself tells a Poisson rate: λ = −ln(1 − active). */
const MAX_ACTIVE_FOR_RATE = 0.98;

/** The middle of a slot's active minutes: Tukey's trimean of the stored quartiles. */
function trimean(q: SlotQuantiles): number {
  return (q.q25 + 2 * q.q50 + q.q75) / 4;
}

/**
 * Mean per minute of a slot, idle minutes included, and how clumped its calls are. A slot of a
 * vendor called 0.5 times a minute is idle in 61% of its minutes: its median is 0 and windows
 * summing medians would expect nothing. Its share of active minutes gives the rate (a Poisson
 * series is active in 1 − e^−λ of its minutes); its active minutes' size gives it for a busy or
 * clumped one (a job sending six calls at a time), whichever is larger. Dispersion: how much
 * larger active minutes are than a Poisson series with that share would have (≥ 1).
 */
export function slotMean(stats: SlotStats, metric: VolumeMetric): { mean: number; dispersion: number } {
  // Slots are cached with the baselines for an hour and read by every cycle: compute once.
  let memo = slotMeans.get(stats);
  if (!memo) slotMeans.set(stats, (memo = {}));
  return (memo[metric] ??= computeSlotMean(stats, metric));
}

const slotMeans = new WeakMap<SlotStats, Partial<Record<VolumeMetric, { mean: number; dispersion: number }>>>();

function computeSlotMean(stats: SlotStats, metric: VolumeMetric): { mean: number; dispersion: number } {
  const active = Math.min(1, stats.active / Math.max(1, stats.minutes));
  // Never quite zero: a slot without a call in its whole history still allows one.
  const floor = 0.5 / Math.max(1, stats.minutes);
  if (active === 0) return { mean: metric === 'calls' ? floor : 0, dispersion: 1 };
  const activeCalls = trimean(stats.calls);
  const poisson = active < MAX_ACTIVE_FOR_RATE ? -Math.log(1 - active) : 0;
  const calls = Math.max(active * activeCalls, poisson, floor);
  const clump = poisson > 0 ? Math.max(1, activeCalls / (poisson / active)) : 1;
  if (metric === 'calls') return { mean: calls, dispersion: clump };
  const s = stats[metric];
  const perCall = activeCalls > 0 ? trimean(s) / activeCalls : 0;
  // Sizes vary per call: the active minutes' spread relative to their middle adds (1 + cv²).
  const cv = s.q50 > 0 ? (s.q75 - s.q25) / 1.349 / s.q50 : 0;
  return { mean: perCall > 0 ? calls * perCall : active * trimean(s), dispersion: clump * (1 + cv * cv) };
}

/** Seasonal expectation of one minute (before the recent-level adjustment): the slot's mean. */
export function slotHint(baseline: SeriesBaseline, t: number, metric: VolumeMetric): SeasonalHint | undefined {
  const slot = slotFor(baseline, t);
  if (!slot) return undefined;
  const q25 = quantileWithZeros(slot, metric, 0.25);
  const q75 = quantileWithZeros(slot, metric, 0.75);
  const { mean, dispersion } = slotMean(slot, metric);
  // The mean rests on the calls seen in the slot's history: 35 calls say it to ±17%.
  const callsBehind = slotMean(slot, 'calls').mean * slot.minutes;
  // IQR/1.349 is the normal-consistent spread; for a symmetric slot it equals 1.4826·MAD.
  return { expected: mean, spread: (q75 - q25) / 1.349, dispersion, relativeError: 1 / Math.sqrt(Math.max(1, callsBehind)) };
}

/** The recent level of a series and how sure it is (relative standard error). */
export interface RecentLevel {
  factor: number;
  relativeError: number;
}

/**
 * The recent level: how the last complete hours compare with their seasonal expectation (median of
 * the per-hour ratios, clamped). Benign growth and quiet days shift the baseline within hours; a
 * 15-minute incident moves at most one hour and so not the median. A sparse series, whose hours
 * are each too thin to say anything, is judged by the hours pooled, pulled towards 1 by
 * `minHourTotal` expected calls' worth (a vendor called once a minute by day and 18 times an hour
 * at night still shows its quiet holiday by the morning, and 3 calls instead of 2 move nothing).
 */
export function recentLevel(series: TrafficSeries, metric: VolumeMetric, minHourTotal: number): RecentLevel {
  const ratios: number[] = [];
  let pooledActual = 0;
  let pooledExpected = 0;
  let pooledCalls = 0;
  for (const h of series.recentHours) {
    // The recent hours are whole UTC hours, so one slot speaks for all 60 minutes.
    const slot = slotFor(series.baseline, h.hour);
    if (!slot) return { factor: 1, relativeError: 0 };
    const expected = slotMean(slot, metric).mean * 60;
    pooledCalls += slotMean(slot, 'calls').mean * 60;
    pooledActual += h[metric];
    pooledExpected += expected;
    if (expected >= minHourTotal) ratios.push(h[metric] / expected);
  }
  if (series.recentHours.length < 2 || pooledExpected <= 0) return { factor: 1, relativeError: 0 };
  let factor: number;
  if (ratios.length >= 2) {
    ratios.sort((a, b) => a - b);
    const mid = ratios.length / 2;
    factor = ratios.length % 2 ? ratios[Math.floor(mid)]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  } else factor = (pooledActual + minHourTotal) / (pooledExpected + minHourTotal);
  // As sure as the calls behind it, the pseudo-calls of the pull towards 1 included.
  return { factor: Math.min(MAX_LEVEL_FACTOR, Math.max(1 / MAX_LEVEL_FACTOR, factor)), relativeError: 1 / Math.sqrt(pooledCalls + MIN_LEVEL_CALLS) };
}

/** The recent level's factor alone (see recentLevel). */
export function levelFactor(series: TrafficSeries, metric: VolumeMetric, minHourTotal: number): number {
  return recentLevel(series, metric, minHourTotal).factor;
}

/**
 * Seasonal hints for every recent minute of a series, adjusted by `level` (default the recent
 * level; its uncertainty adds to the slot's) and counted in `unit`s (bytes in calls' worth);
 * undefined where no slot speaks.
 */
export function seasonalHints(
  series: TrafficSeries,
  metric: VolumeMetric,
  minHourTotal: number,
  level = recentLevel(series, metric, minHourTotal),
  unit = 1,
): Array<SeasonalHint | undefined> {
  const scale = level.factor / unit;
  // One slot speaks for a whole UTC hour: one hint per hour, shared by its minutes (a cycle
  // builds these for every series, so this is the detector's hottest allocation).
  const byHour = new Map<number, SeasonalHint | undefined>();
  return series.minutes.map((m) => {
    const hour = Math.floor(m.minute / HOUR_MS);
    if (byHour.has(hour)) return byHour.get(hour);
    const hint = slotHint(series.baseline, m.minute, metric);
    const scaled = hint && { ...hint, expected: hint.expected * scale, spread: hint.spread * scale, relativeError: Math.hypot(hint.relativeError ?? 0, level.relativeError) };
    byHour.set(hour, scaled);
    return scaled;
  });
}

