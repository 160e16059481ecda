import type { DetectionConfig } from '../common/config/detection.js';
import { formatMs, formatRatio, roundMs, windowText } from '../common/figure-text.js';
import type { TrafficSeries } from '../common/history.js';
import type { Finding } from '../common/types.js';
import { recentPoints, RECENT_Z, windowLevel } from './multi-window-plan.js';
import { logBinomialUpper, zFromLogTail } from './multi-window-tails.js';
import { seriesLabel } from './traffic-window-text.js';

/**
 * How often a minute's p95 may exceed `latency_min_ratio` × the usual p95 by chance: at most 5%,
 * because the usual p95 is exceeded by 5% of calls and twice it by fewer (a one-call minute's p95
 * is that call). A window in which most minutes exceed it is therefore rare whatever the volume.
 */
const CHANCE_SLOW_MINUTE = 0.05;
/** Minutes with calls a window's recent part should hold before it can say "still slow" (3 of 4 slow is a 4·10^-4 chance). */
const RECENT_MIN_ACTIVE = 4;

interface LatencyWindow {
  points: number;
  level: number;
  /** The call-weighted median of the window's per-minute p95 (ms). */
  p95: number;
  slow: number;
  active: number;
}

/**
 * latency_spike at minute `i` over every window ending there. One minute: its p95 against the
 * usual p95 and its spread, with at least `latency_min_calls` calls (as before windows). Longer
 * windows: how many of the minutes with calls were slow (p95 ≥ `latency_min_ratio` × usual),
 * against the 5% chance, with at least `latency_min_calls` calls in the window and the window's
 * typical p95 above the ratio too. A vendor called once a minute whose every call takes five
 * times as long is found after a few minutes. The strongest window speaks.
 */
export function detectLatencyWindows(series: TrafficSeries, i: number, config: DetectionConfig): Finding | undefined {
  const base = series.baseline;
  if (!(base.latencyP95Median > 0)) return undefined;
  const usual = base.latencyP95Median;
  const slowAt = config.latency_min_ratio * usual;
  const minutes = series.minutes;
  let best: LatencyWindow | undefined;
  for (const points of config.window_minutes) {
    if (points > i + 1) continue;
    const window = points === 1 ? oneMinute(series, i, config) : manyMinutes(series, i, points, slowAt, config);
    if (!window || window.level < config.min_score || window.p95 < slowAt || (best && window.level <= best.level)) continue;
    if (points > 1) {
      const recent = recentPoints(points, (k) => countBack(series, i, k, slowAt).active, RECENT_MIN_ACTIVE);
      const r = countBack(series, i, recent, slowAt);
      if (r.slow * 2 < r.active || zFromLogTail(logBinomialUpper(r.slow, r.active, CHANCE_SLOW_MINUTE)) < RECENT_Z) continue;
    }
    best = window;
  }
  if (!best) return undefined;
  const ratio = best.p95 / usual;
  const slowText = best.points > 1 ? `, ${best.slow} of ${best.active} minutes slow` : '';
  return {
    kind: 'latency_spike',
    vendor: series.vendor,
    service: series.service,
    at: minutes[i]!.minute,
    value: roundMs(best.p95),
    expected: roundMs(usual),
    score: best.level,
    severity: ratio >= 5 ? 'critical' : 'warning',
    summary: `p95 latency ${seriesLabel(series)} at ${formatMs(best.p95)} over ${windowText(best.points)}${slowText}, ${formatRatio(ratio)} the usual ${formatMs(usual)}.`,
    details: { window: `${best.points} min`, ratio: formatRatio(ratio) },
  };
}

function oneMinute(series: TrafficSeries, i: number, config: DetectionConfig): LatencyWindow | undefined {
  const m = series.minutes[i]!;
  const base = series.baseline;
  if (m.calls < config.latency_min_calls || !Number.isFinite(m.latencyP95Ms)) return undefined;
  const spread = Math.max(Number.isFinite(base.latencyP95Mad) ? 1.4826 * base.latencyP95Mad : 0, 0.1 * base.latencyP95Median, 1);
  const z = (m.latencyP95Ms - base.latencyP95Median) / spread;
  return { points: 1, level: windowLevel(Math.max(0, z), 1), p95: m.latencyP95Ms, slow: 1, active: 1 };
}

function manyMinutes(series: TrafficSeries, i: number, points: number, slowAt: number, config: DetectionConfig): LatencyWindow | undefined {
  const { slow, active, calls } = countBack(series, i, points, slowAt);
  if (slow === 0 || calls < config.latency_min_calls) return undefined;
  const level = windowLevel(zFromLogTail(logBinomialUpper(slow, active, CHANCE_SLOW_MINUTE)), points);
  return { points, level, p95: weightedMedianP95(series, i, points), slow, active };
}

/** Minutes with calls, slow ones among them, and calls, over the `k` minutes ending at `i`. */
function countBack(series: TrafficSeries, i: number, k: number, slowAt: number): { slow: number; active: number; calls: number } {
  let slow = 0;
  let active = 0;
  let calls = 0;
  for (let j = Math.max(0, i - k + 1); j <= i; j++) {
    const m = series.minutes[j]!;
    if (m.calls === 0 || !Number.isFinite(m.latencyP95Ms)) continue;
    active++;
    calls += m.calls;
    if (m.latencyP95Ms >= slowAt) slow++;
  }
  return { slow, active, calls };
}

/** The per-minute p95 that half of the window's calls were at or below (minutes weighted by calls). */
function weightedMedianP95(series: TrafficSeries, i: number, points: number): number {
  const list: Array<{ p95: number; calls: number }> = [];
  let total = 0;
  for (let j = i - points + 1; j <= i; j++) {
    const m = series.minutes[j]!;
    if (m.calls === 0 || !Number.isFinite(m.latencyP95Ms)) continue;
    list.push({ p95: m.latencyP95Ms, calls: m.calls });
    total += m.calls;
  }
  list.sort((a, b) => a.p95 - b.p95);
  let seen = 0;
  for (const x of list) {
    seen += x.calls;
    if (seen * 2 >= total) return x.p95;
  }
  return Number.NaN;
}
