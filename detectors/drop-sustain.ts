import type { DetectionConfig } from '../common/config/detection.js';
import type { TrafficSeries } from '../common/history.js';
import type { Finding } from '../common/types.js';
import { recentLevel, seasonalHints, slotHint } from './seasonal-baseline.js';

/** As traffic-detector.ts: expected calls per hour below which the recent level does not rescale the season. */
const MIN_LEVEL_CALLS_PER_HOUR = 30;
/**
 * A silence is an outage that still holds once this many times `min_delta_calls` independent
 * events were expected over it (10 by default): P(nothing | 10 expected) is e^-10, so an ordinary
 * quiet stretch of a sparse series never sustains anything. Calls that come in clumps count as
 * clumps (calls / the slot's dispersion): a job sending 20 calls every tenth minute expects 10
 * calls in 5 minutes but only half a burst, and silence is what it usually does.
 */
const SUSTAIN_DELTAS = 2;

/**
 * The `sustain` signal of a volume_drop (common/types.ts `Finding.sustain`): the series has had
 * no call at all for a run of minutes, up to its last evaluated minute, over which at least
 * `2 × min_delta_calls` calls — clumps of calls where they come in clumps — were expected. The
 * volume detector stops reporting such a drop once the expected volume per minute falls under
 * `min_delta_calls` (evening, night) or its baseline follows the zeros; the open alert must not
 * resolve while nothing comes back.
 *
 * Expected calls come from the seasonal hints the detector uses (SeasonalHint.dispersion gives
 * the clump size); minutes without a trusted slot fall back to the mean of the recent complete
 * hours. When every recent minute is silent, the complete hours before them that had no call
 * count too: 75 minutes hold under 8 bursts of a job that sends one every 10 minutes, which
 * could never make 10. Pure; never raises an alert on its own.
 */
export function sustainedDrop(series: TrafficSeries, config: Pick<DetectionConfig, 'min_delta_calls'>): Finding[] {
  const minutes = series.minutes;
  const last = minutes[minutes.length - 1];
  if (!last || last.calls > 0) return [];
  const hints = seasonalHints(series, 'calls', MIN_LEVEL_CALLS_PER_HOUR);
  const hourly = series.recentHours.length > 0 ? series.recentHours.reduce((sum, h) => sum + h.calls, 0) / (series.recentHours.length * 60) : 0;
  let expected = 0;
  let events = 0;
  let run = 0;
  for (let i = minutes.length - 1; i >= 0 && minutes[i]!.calls === 0; i--) {
    const hint = hints[i];
    const calls = hint?.expected ?? hourly;
    expected += calls;
    events += calls / Math.max(1, hint?.dispersion ?? 1);
    run++;
  }
  let silentHours = 0;
  if (run === minutes.length) {
    const level = recentLevel(series, 'calls', MIN_LEVEL_CALLS_PER_HOUR).factor;
    for (let h = series.recentHours.length - 1; h >= 0 && series.recentHours[h]!.calls === 0; h--) {
      const hint = slotHint(series.baseline, series.recentHours[h]!.hour, 'calls');
      if (!hint) break;
      expected += hint.expected * level * 60;
      events += (hint.expected * level * 60) / Math.max(1, hint.dispersion ?? 1);
      silentHours++;
    }
  }
  if (events < SUSTAIN_DELTAS * Math.max(1, config.min_delta_calls)) return [];
  const who = series.service ? `${series.service} → ${series.vendor}` : `all services → ${series.vendor}`;
  const before = silentHours > 0 ? ` nor in the ${silentHours === 1 ? 'complete hour' : `${silentHours} complete hours`} before` : '';
  return [
    {
      kind: 'volume_drop',
      vendor: series.vendor,
      service: series.service,
      at: last.minute,
      value: 0,
      expected: Math.round((expected / (run + silentHours * 60)) * 100) / 100,
      score: 0,
      severity: 'info',
      summary: `No call ${who} for the last ${run} min${before}, about ${Math.round(expected)} expected.`,
      sustain: true,
    },
  ];
}
