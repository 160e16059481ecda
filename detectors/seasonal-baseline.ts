import type { SeriesBaseline, SlotQuantiles, SlotStats, TrafficSeries } from '../common/history.js';
import type { SeasonalHint } from './volume-scorer.js';

/** The traffic metrics with seasonal baselines. */
export type VolumeMetric = 'calls' | 'requestBytes' | 'responseBytes';

/** Minutes of a slot's history before it is trusted: two occurrences of an hour-of-week slot, or of an hour of the day. */
const MIN_SLOT_MINUTES = 120;
/** A service that started yesterday: one day of hour-of-day history is better than none. */
const MIN_DAY_SLOT_MINUTES = 60;
/** The recent level may move the seasonal expectation by at most this factor either way. */
const MAX_LEVEL_FACTOR = 2;

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

/** Seasonal expectation of one minute (before the recent-level adjustment). */
export function slotHint(baseline: SeriesBaseline, t: number, metric: VolumeMetric): SeasonalHint | undefined {
  const slot = slotFor(baseline, t);
  if (!slot) return undefined;
  const q25 = quantileWithZeros(slot, metric, 0.25);
  const q50 = quantileWithZeros(slot, metric, 0.5);
  const q75 = quantileWithZeros(slot, metric, 0.75);
  // IQR/1.349 is the normal-consistent spread; for a symmetric slot it equals 1.4826·MAD.
  return { expected: q50, spread: (q75 - q25) / 1.349 };
}

/**
 * The recent level: how the last complete hours compare with their seasonal expectation (median of
 * the per-hour ratios, clamped). Benign growth and quiet days shift the baseline within hours; a
 * 15-minute incident moves at most one hour and so not the median.
 */
export function levelFactor(series: TrafficSeries, metric: VolumeMetric, minHourTotal: number): number {
  const ratios: number[] = [];
  for (const h of series.recentHours) {
    // The recent hours are whole UTC hours, so one slot speaks for all 60 minutes.
    const hint = slotHint(series.baseline, h.hour, metric);
    if (!hint) return 1;
    const expected = hint.expected * 60;
    if (expected >= minHourTotal) ratios.push(h[metric] / expected);
  }
  if (ratios.length < 2) return 1;
  ratios.sort((a, b) => a - b);
  const mid = ratios.length / 2;
  const median = ratios.length % 2 ? ratios[Math.floor(mid)]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return Math.min(MAX_LEVEL_FACTOR, Math.max(1 / MAX_LEVEL_FACTOR, median));
}

/** Seasonal hints for every recent minute of a series, level-adjusted; undefined where no slot speaks. */
export function seasonalHints(series: TrafficSeries, metric: VolumeMetric, minHourTotal: number): Array<SeasonalHint | undefined> {
  const factor = levelFactor(series, metric, minHourTotal);
  return series.minutes.map((m) => {
    const hint = slotHint(series.baseline, m.minute, metric);
    return hint ? { expected: hint.expected * factor, spread: hint.spread * factor } : undefined;
  });
}

