import type { DetectionConfig } from '../common/config/detection.js';
import { formatPercent, roundShare, windowText } from '../common/figure-text.js';
import type { TrafficSeries } from '../common/history.js';
import type { Finding } from '../common/types.js';
import { recentPoints, RECENT_Z, windowLevel } from './multi-window-plan.js';
import { logBinomialUpper, zFromLogTail } from './multi-window-tails.js';
import { seriesLabel } from './traffic-window-text.js';

/** Calls a window's recent part should hold before its error ratio can say "still failing". */
const RECENT_MIN_CALLS = 10;
/** Prior calls at a 1% error ratio lent to a series with little history (instead of trusting 0 of 3). */
const PRIOR_CALLS = 100;
const PRIOR_RATIO = 0.01;

/** Calls an hour needs before its error ratio counts towards the recent level. */
const MIN_HOUR_CALLS = 30;

/**
 * The error ratio a series usually has: its history's, pulled towards 1% while the history is
 * short — or, where the recent hours carry errors and fail more than that (a job whose errors do
 * not follow the day's calls fails a larger share at night), their median hourly ratio, pulled
 * the same way. Never lower than the history's: a quiet hour does not make a burst of errors news.
 */
export function usualErrorRatio(series: TrafficSeries): number {
  const b = series.baseline;
  const long = Math.min(0.99, (b.errorRatio * b.calls + PRIOR_RATIO * PRIOR_CALLS) / (b.calls + PRIOR_CALLS));
  const ratios: number[] = [];
  let errors = 0;
  let calls = 0;
  for (const h of series.recentHours) {
    if (h.errors === undefined) return long;
    errors += h.errors;
    calls += h.calls;
    if (h.calls >= MIN_HOUR_CALLS) ratios.push((h.errors + long * PRIOR_CALLS) / (h.calls + PRIOR_CALLS));
  }
  if (series.recentHours.length < 2) return long;
  ratios.sort((x, y) => x - y);
  const mid = ratios.length / 2;
  // The median of the hours where each says enough; else the hours pooled.
  const recent =
    ratios.length >= 2 ? (ratios.length % 2 ? ratios[Math.floor(mid)]! : (ratios[mid - 1]! + ratios[mid]!) / 2) : (errors + long * PRIOR_CALLS) / (calls + PRIOR_CALLS);
  return Math.min(0.99, Math.max(long, recent));
}

/**
 * error_spike at minute `i` over every window ending there: errors against a binomial at the
 * usual ratio (the SRE workbook's error-budget burn, with a tail instead of a fixed burn rate). A
 * vendor called twice a minute that fails half its calls has 5 errors of 10 calls after five
 * minutes (P ≈ 2·10^-8 at a 1% baseline), which no single minute can show. Each window also
 * needs `error_min_count` errors, a ratio `error_min_increase` above the usual one, and its recent
 * part still failing at that ratio, beyond chance on its own. The strongest window speaks.
 */
export function detectErrorWindows(series: TrafficSeries, i: number, config: DetectionConfig): Finding | undefined {
  const minutes = series.minutes;
  const p0 = usualErrorRatio(series);
  let best: { points: number; errors: number; calls: number; level: number; recentRatio: number } | undefined;
  for (const points of config.window_minutes) {
    if (points > i + 1) continue;
    let errors = 0;
    let calls = 0;
    for (let k = i - points + 1; k <= i; k++) {
      errors += minutes[k]!.errors;
      calls += minutes[k]!.calls;
    }
    if (calls === 0 || errors < config.error_min_count || errors / calls < p0 + config.error_min_increase) continue;
    const level = windowLevel(zFromLogTail(logBinomialUpper(errors, calls, p0)), points);
    if (level < config.min_score || (best && level <= best.level)) continue;
    // Still failing: the recent part's errors on their own, at the ratio and beyond chance.
    const recent = recentPoints(points, (k) => sumBack(series, i, k, 'calls'), RECENT_MIN_CALLS);
    const recentCalls = sumBack(series, i, recent, 'calls');
    const recentErrors = sumBack(series, i, recent, 'errors');
    if (recentErrors < (p0 + config.error_min_increase) * recentCalls || zFromLogTail(logBinomialUpper(recentErrors, recentCalls, p0)) < RECENT_Z) continue;
    best = { points, errors, calls, level, recentRatio: recentErrors / recentCalls };
  }
  if (!best) return undefined;
  const ratio = best.errors / best.calls;
  return {
    kind: 'error_spike',
    vendor: series.vendor,
    service: series.service,
    at: minutes[i]!.minute,
    value: roundShare(ratio),
    expected: roundShare(p0),
    score: best.level,
    // What is failing now, not the window's mix of before and during.
    severity: best.recentRatio >= 0.5 ? 'critical' : 'warning',
    summary: `Errors ${seriesLabel(series)}: ${best.errors} of ${best.calls} calls failed in ${windowText(best.points)} (${formatPercent(ratio)}), usually ${formatPercent(p0)}.`,
    details: { window: `${best.points} min`, errors: String(best.errors), calls: String(best.calls) },
  };
}

function sumBack(series: TrafficSeries, i: number, k: number, field: 'calls' | 'errors'): number {
  let sum = 0;
  for (let j = Math.max(0, i - k + 1); j <= i; j++) sum += series.minutes[j]![field];
  return sum;
}
