import type { DetectionConfig } from '../common/config/detection.js';
import { formatBytes, formatFigure, formatRatio, roundBytes, roundFigure, windowText } from '../common/figure-text.js';
import type { Finding } from '../common/types.js';
import type { TrafficSeries } from '../common/history.js';
import { detectErrorWindows } from './error-window-rule.js';
import { detectLatencyWindows } from './latency-window-rule.js';
import { recentLevel, seasonalHints, type VolumeMetric } from './seasonal-baseline.js';
import { seriesLabel, USUALLY_NONE } from './traffic-window-text.js';
import { RECENT_Z, windowLevel } from './multi-window-plan.js';
import { VolumeScorer } from './volume-scorer.js';
import { endedZ, windowZ, zBeyond, type SeasonalHint, type WindowSums, type WindowVerdict } from './window-verdicts.js';

/** Expected calls per hour below which the recent level is not trusted to rescale the season. */
const MIN_LEVEL_CALLS_PER_HOUR = 30;
/** Minimum calls behind a bytes-per-call figure before it is trusted. */
const MIN_CALLS_FOR_BYTES_PER_CALL = 100;
/** bytes_spike needs the bytes per call this many times the usual, unless the calls themselves are not spiking. */
const BYTES_PER_CALL_RATIO = 1.5;
/** A rule's ratio must hold by this many standard errors (zBeyond), not only as a point estimate. */
const GATE_Z = 2;
/**
 * A window whose last minutes fall this far (one-sided 2.3%) from its own rate has ended: six
 * calls in the last minute after a window at 17 a minute. A wrong "ended" in an incident is a gap
 * of one step, which a firing alert rides out; a missed one keeps a finished incident open.
 */
const ENDED_Z = 2;

/**
 * The production volume scorer over the recent minutes of one metric, with the seasonal,
 * level-adjusted baseline as hints, judging every configured window. The scorer object is the one
 * `backtest` measures on NAB. Request bytes are scored in calls' worth of bytes when the usual size
 * of a call is known, so that their windows get the calls' Poisson tails too.
 */
function metricScorer(series: TrafficSeries, metric: VolumeMetric, config: DetectionConfig, unit: number): MetricScorer {
  const minHourTotal = metric === 'calls' ? MIN_LEVEL_CALLS_PER_HOUR : MIN_LEVEL_CALLS_PER_HOUR * Math.max(1, unit);
  const recent = recentLevel(series, metric, minHourTotal);
  const hints = seasonalHints(series, metric, minHourTotal, recent, unit > 0 ? unit : 1);
  const level = recent.factor;
  const scorer = new VolumeScorer({ counts: unit > 0, warmupPoints: 0, selfCalibrate: false, seasonal: false, levelWindow: config.recent_minutes, windows: config.window_minutes });
  return { scorer, hints, level };
}

interface MetricScorer {
  scorer: VolumeScorer;
  hints: Array<SeasonalHint | undefined>;
  /** The recent level the hints carry (1 when no season speaks). */
  level: number;
}

/**
 * The recent level follows a quiet day down and a ramp up, which is right for the side it
 * protects and wrong for the other: the morning after a holiday is not a spike over the holiday's
 * level, and a drop after a ramp is judged against the usual season. Spikes are judged against
 * the higher of the level-adjusted and the plain seasonal expectation, drops against the lower:
 * this is the factor on the level-adjusted expectations.
 */
function sideScale(direction: 1 | -1, level: number): number {
  return direction > 0 ? Math.max(1, 1 / level) : Math.min(1, 1 / level);
}

function scaled(x: WindowSums, k: number): WindowSums {
  return k === 1 ? x : { points: x.points, observed: x.observed, expected: x.expected * k, variance: x.variance * k, clumped: x.clumped * k, uncertainty: x.uncertainty * k, counts: x.counts };
}

function forSide(w: WindowVerdict, k: number): WindowVerdict {
  return k === 1 ? w : { ...scaled(w, k), recent: scaled(w.recent, k), last: scaled(w.last, k) };
}

/**
 * volume_spike, volume_drop, bytes_spike, error_spike and latency_spike for the last `evaluate`
 * minutes of one series, each judged over every window of `window_minutes` ending at the minute
 * (detectors/multi-window-plan.ts). Pure: the series carries its history and baseline.
 */
export function detectTraffic(series: TrafficSeries, evaluate: number, config: DetectionConfig): Finding[] {
  const n = series.minutes.length;
  if (n === 0) return [];
  const findings: Finding[] = [];
  const perCall = usualBytesPerCall(series, evaluate);
  const calls = metricScorer(series, 'calls', config, 1);
  const bytes = metricScorer(series, 'requestBytes', config, perCall);
  for (let i = 0; i < n; i++) {
    const m = series.minutes[i]!;
    calls.scorer.update(m.minute, m.calls, calls.hints[i]);
    bytes.scorer.update(m.minute, perCall > 0 ? m.requestBytes / perCall : m.requestBytes, bytes.hints[i]);
    if (i < n - evaluate || m.minute - series.baseline.firstMinute < config.warmup_minutes * 60_000) continue;
    const callWindows = calls.scorer.windows();
    const volume = volumeFinding(series, m.minute, callWindows, calls.level, config);
    if (volume) findings.push(volume);
    const surge = bytesFinding(series, m.minute, bytes.scorer.windows(), sideScale(1, bytes.level), callWindows, sideScale(1, calls.level), perCall, config);
    if (surge) findings.push(surge);
    const error = detectErrorWindows(series, i, config);
    if (error) findings.push(error);
    const latency = detectLatencyWindows(series, i, config);
    if (latency) findings.push(latency);
  }
  return findings;
}

/** The window with the highest level among those a rule lets through (`judge` gives its level, or undefined). */
function strongest(windows: readonly WindowVerdict[], judge: (w: WindowVerdict) => { w: WindowVerdict; level: number } | undefined): { w: WindowVerdict; level: number } | undefined {
  let best: { w: WindowVerdict; level: number } | undefined;
  for (const raw of windows) {
    const judgedWindow = judge(raw);
    if (judgedWindow && (!best || judgedWindow.level > best.level)) best = judgedWindow;
  }
  return best;
}

/**
 * A window (its expectations scaled by `k`, see sideScale) and its level if it deviates in
 * `direction` (+1 above, −1 below) with its ratio beyond `ratio` (as a point estimate and by
 * GATE_Z), its level at least `min_score`, its recent part still showing the same on its own
 * (beyond the ratio by GATE_Z, beyond its expectation at RECENT_Z), and its last minutes not
 * contradicting it (endedZ) — else undefined. Cheapest checks first: most windows of most series
 * stop at the ratio, before anything is scaled or a tail computed.
 */
function judged(raw: WindowVerdict, k: number, direction: 1 | -1, ratio: number, minDelta: number, config: DetectionConfig, clump = 1): { w: WindowVerdict; level: number } | undefined {
  const beyond = (observed: number, expected: number): boolean => (direction > 0 ? observed > expected && observed >= ratio * expected : observed <= ratio * expected);
  if (!beyond(raw.observed, raw.expected * k) || direction * (raw.observed - raw.expected * k) < minDelta || !beyond(raw.recent.observed, raw.recent.expected * k)) return undefined;
  const w = forSide(raw, k);
  if (direction * zBeyond(w, ratio) < GATE_Z) return undefined;
  const z = windowZ(w);
  const level = direction * z > 0 ? windowLevel(z, w.points) : 0;
  if (level < config.min_score) return undefined;
  if (w.recent.points < w.points && (direction * zBeyond(w.recent, ratio) < GATE_Z || direction * windowZ(w.recent) < RECENT_Z)) return undefined;
  // Ended: the last minutes contradict the window's own rate (the calls came back, the burst stopped).
  if (w.last.points < w.points && direction * endedZ(w, clump) <= -ENDED_Z) return undefined;
  return { w, level };
}

function volumeFinding(series: TrafficSeries, at: number, windows: readonly WindowVerdict[], level: number, config: DetectionConfig): Finding | undefined {
  const up = strongest(windows, (w) => judged(w, sideScale(1, level), 1, config.spike_min_ratio, config.min_delta_calls, config));
  const down = strongest(windows, (w) => judged(w, sideScale(-1, level), -1, config.drop_max_ratio, config.min_delta_calls, config));
  const pick = up && (!down || up.level >= down.level) ? up : down;
  if (!pick) return stillBelow(series, at, windows, level, config);
  const w = pick.w;
  const who = seriesLabel(series);
  const span = windowText(w.points);
  const base = { vendor: series.vendor, service: series.service, at, score: pick.level };
  const details: Record<string, string> = { window: `${w.points} min` };
  if (pick === up) {
    const none = w.expected < USUALLY_NONE;
    const ratio = w.observed / w.expected;
    if (!none) details['ratio'] = formatRatio(ratio);
    return {
      ...base,
      kind: 'volume_spike',
      value: roundFigure(w.observed),
      expected: none ? 0 : roundFigure(w.expected),
      severity: none || ratio >= 5 || pick.level >= 0.95 ? 'critical' : 'warning',
      summary: none
        ? `Calls ${who}: ${formatFigure(w.observed)} in ${span} where there are usually none.`
        : `Calls ${who}: ${formatFigure(w.observed)} in ${span}, ${formatRatio(ratio)} the usual ${formatFigure(w.expected)}.`,
      details,
    };
  }
  details['ratio'] = formatRatio(w.observed / w.expected);
  return {
    ...base,
    kind: 'volume_drop',
    value: roundFigure(w.observed),
    expected: roundFigure(w.expected),
    severity: w.observed === 0 ? 'critical' : 'warning',
    summary:
      w.observed === 0
        ? `No calls ${who} in ${span}, usually about ${formatFigure(w.expected)}.`
        : `Calls ${who} fell to ${formatFigure(w.observed)} in ${span}, usually about ${formatFigure(w.expected)}.`,
    details,
  };
}

/**
 * A volume_drop `sustain` (common/types.ts): no drop is news at this minute, but the calls are not
 * back within their band either — the longest window's recent part (its last twelfth, grown to
 * twenty expected calls) is still at most `drop_max_ratio` of the usual, with at least
 * `min_delta_calls` calls usual in it. The lifecycle keeps a firing volume_drop open on it; it
 * never opens one.
 */
function stillBelow(series: TrafficSeries, at: number, windows: readonly WindowVerdict[], level: number, config: DetectionConfig): Finding | undefined {
  const longest = windows[windows.length - 1];
  if (!longest) return undefined;
  const recent = scaled(longest.recent, sideScale(-1, level));
  if (recent.expected < Math.max(1, config.min_delta_calls) || recent.observed > config.drop_max_ratio * recent.expected) return undefined;
  return {
    kind: 'volume_drop',
    vendor: series.vendor,
    service: series.service,
    at,
    value: roundFigure(recent.observed),
    expected: roundFigure(recent.expected),
    score: 0,
    severity: 'info',
    summary: `Calls ${seriesLabel(series)} still at ${formatFigure(recent.observed)} in ${windowText(recent.points)}, usually about ${formatFigure(recent.expected)}.`,
    sustain: true,
  };
}

/**
 * bytes_spike: request bytes beyond what the calls explain (a call spike carries its bytes with
 * it): over the same window, bytes per call above the usual, or calls not spiking at all.
 * `perCall` is the usual size of a call; the byte windows are in calls' worth when it is known.
 */
function bytesFinding(
  series: TrafficSeries,
  at: number,
  windows: readonly WindowVerdict[],
  k: number,
  callWindows: readonly WindowVerdict[],
  callsK: number,
  perCall: number,
  config: DetectionConfig,
): Finding | undefined {
  const unit = perCall > 0 ? perCall : 1;
  const callsOf = (points: number): WindowVerdict | undefined => callWindows.find((c) => c.points === points);
  const pick = strongest(windows, (b) => {
    const c = callsOf(b.points);
    if (!c || (b.observed - b.expected * k) * unit < config.min_delta_calls * Math.max(1, perCall)) return undefined;
    const sizeRatio = perCall > 0 && c.observed > 0 ? (b.observed * unit) / c.observed / perCall : 1;
    if (sizeRatio < BYTES_PER_CALL_RATIO && c.observed >= config.spike_min_ratio * c.expected * callsK) return undefined;
    // A surging call carries many calls' worth of bytes: the last minutes' evidence comes in clumps that size.
    return judged(b, k, 1, config.bytes_min_ratio, 0, config, c.observed > 0 ? b.observed / c.observed : 1);
  });
  if (!pick) return undefined;
  const w = pick.w;
  const c = forSide(callsOf(w.points)!, callsK);
  const sent = w.observed * unit;
  const usual = w.expected * unit;
  // Less than half a usual call's worth expected: there is usually nothing to compare with.
  const none = w.expected < USUALLY_NONE;
  const size = c.observed > 0 ? sent / c.observed : 0;
  const ratio = sent / usual;
  const who = seriesLabel(series);
  const span = windowText(w.points);
  const sizeText = perCall > 0 && c.observed > 0 ? ` (${formatBytes(size)} per call, usually ${formatBytes(perCall)})` : '';
  const details: Record<string, string> = { window: `${w.points} min`, calls: String(c.observed) };
  if (!none) details['ratio'] = formatRatio(ratio);
  if (c.observed > 0) details['bytes_per_call'] = formatBytes(size);
  if (perCall > 0) details['usual_bytes_per_call'] = formatBytes(perCall);
  return {
    kind: 'bytes_spike',
    vendor: series.vendor,
    service: series.service,
    at,
    value: roundBytes(sent),
    expected: none ? 0 : roundBytes(usual),
    score: pick.level,
    severity: none || ratio >= 5 || (perCall > 0 && size / perCall >= 5) ? 'critical' : 'warning',
    summary: none
      ? `Request bytes ${who}: ${formatBytes(sent)} in ${span} where usually nothing is sent${sizeText}.`
      : `Request bytes ${who}: ${formatBytes(sent)} in ${span}, ${formatRatio(ratio)} the usual ${formatBytes(usual)}${sizeText}.`,
    details,
  };
}

/** Bytes per call from the history, or for a young series from its recent minutes before the evaluated ones; 0 if unknown. */
function usualBytesPerCall(series: TrafficSeries, evaluate: number): number {
  if (series.baseline.calls >= MIN_CALLS_FOR_BYTES_PER_CALL) return series.baseline.requestBytesPerCall;
  let calls = 0;
  let bytes = 0;
  for (const m of series.minutes.slice(0, Math.max(0, series.minutes.length - evaluate))) {
    calls += m.calls;
    bytes += m.requestBytes;
  }
  return calls >= MIN_CALLS_FOR_BYTES_PER_CALL ? bytes / calls : 0;
}
