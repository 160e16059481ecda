import type { DetectionConfig } from '../common/config/detection.js';
import type { TrafficSeries } from '../common/history.js';
import type { Finding } from '../common/types.js';
import { seasonalHints } from './seasonal-baseline.js';

/** As traffic-detector.ts: expected calls per hour below which the recent level does not rescale the season. */
const MIN_LEVEL_CALLS_PER_HOUR = 30;
/**
 * A run of minutes without a single call is an outage that still holds once this many times
 * `min_delta_calls` calls were expected over it (10 by default): P(no call | 10 expected) is
 * e^-10, so an ordinary quiet stretch of a sparse series never sustains anything.
 */
const SUSTAIN_DELTAS = 2;

/**
 * The `sustain` signal of a volume_drop (common/types.ts `Finding.sustain`): the series has had
 * no call at all for a run of minutes, up to its last evaluated minute, over which at least
 * `2 × min_delta_calls` calls were expected. The volume detector stops reporting such a drop
 * once the expected volume per minute falls under `min_delta_calls` (evening, night) or its
 * baseline follows the zeros; the open alert must not resolve while nothing comes back.
 *
 * Expected calls come from the seasonal hints the detector uses; minutes without a trusted slot
 * fall back to the mean of the recent complete hours. Pure; never raises an alert on its own.
 */
export function sustainedDrop(series: TrafficSeries, config: Pick<DetectionConfig, 'min_delta_calls'>): Finding[] {
  const minutes = series.minutes;
  const last = minutes[minutes.length - 1];
  if (!last || last.calls > 0) return [];
  const hints = seasonalHints(series, 'calls', MIN_LEVEL_CALLS_PER_HOUR);
  const hourly = series.recentHours.length > 0 ? series.recentHours.reduce((sum, h) => sum + h.calls, 0) / (series.recentHours.length * 60) : 0;
  let expected = 0;
  let run = 0;
  for (let i = minutes.length - 1; i >= 0 && minutes[i]!.calls === 0; i--) {
    expected += hints[i]?.expected ?? hourly;
    run++;
  }
  if (expected < SUSTAIN_DELTAS * Math.max(1, config.min_delta_calls)) return [];
  const who = series.service ? `${series.service} → ${series.vendor}` : `all services → ${series.vendor}`;
  return [
    {
      kind: 'volume_drop',
      vendor: series.vendor,
      service: series.service,
      at: last.minute,
      value: 0,
      expected: Math.round((expected / run) * 100) / 100,
      score: 0,
      severity: 'info',
      summary: `No call ${who} for the last ${run} min, about ${Math.round(expected)} expected.`,
      sustain: true,
    },
  ];
}
