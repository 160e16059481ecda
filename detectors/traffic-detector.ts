import type { DetectionConfig } from '../common/config/detection.js';
import type { Finding, Severity } from '../common/types.js';
import type { TrafficSeries } from '../common/history.js';
import { seasonalHints, type VolumeMetric } from './seasonal-baseline.js';
import { VolumeScorer, type ScoredPoint } from './volume-scorer.js';

/** Expected calls per hour below which the recent level is not trusted to rescale the season. */
const MIN_LEVEL_CALLS_PER_HOUR = 30;

function who(series: TrafficSeries): string {
  return series.service ? `${series.service} → ${series.vendor}` : `all services → ${series.vendor}`;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * Runs the production volume scorer over the recent minutes of one metric, with the seasonal,
 * level-adjusted baseline as hints. The scorer object is the one `backtest` measures on NAB.
 */
function scoreMetric(series: TrafficSeries, metric: VolumeMetric, config: DetectionConfig, counts: boolean, minDelta: number): ScoredPoint[] {
  const bytesPerCall = Math.max(1, usualBytesPerCall(series, 0));
  const hints = seasonalHints(series, metric, metric === 'calls' ? MIN_LEVEL_CALLS_PER_HOUR : MIN_LEVEL_CALLS_PER_HOUR * bytesPerCall);
  const scorer = new VolumeScorer({ counts, minDelta, warmupPoints: 0, selfCalibrate: false, seasonal: false, levelWindow: config.recent_minutes });
  return series.minutes.map((m, i) => {
    const hint = hints[i];
    // Bytes come in calls: Poisson noise on the calls, scaled by the usual size of a call.
    const floored = hint && !counts ? { expected: hint.expected, spread: Math.max(hint.spread, Math.sqrt(Math.max(1, hint.expected / bytesPerCall)) * bytesPerCall) } : hint;
    return scorer.update(m.minute, m[metric], floored);
  });
}

/**
 * volume_spike, volume_drop, bytes_spike, error_spike and latency_spike for the last `evaluate`
 * minutes of one series. Pure: the series carries its history and baseline.
 */
export function detectTraffic(series: TrafficSeries, evaluate: number, config: DetectionConfig): Finding[] {
  const n = series.minutes.length;
  if (n === 0) return [];
  const findings: Finding[] = [];
  const usualPerCall = usualBytesPerCall(series, evaluate);
  const calls = scoreMetric(series, 'calls', config, true, config.min_delta_calls);
  const bytes = scoreMetric(series, 'requestBytes', config, false, config.min_delta_calls * Math.max(1, usualPerCall));
  for (let i = Math.max(0, n - evaluate); i < n; i++) {
    const m = series.minutes[i]!;
    if (m.minute - series.baseline.firstMinute < config.warmup_minutes * 60_000) continue;
    const base = { vendor: series.vendor, service: series.service, at: m.minute };
    const c = calls[i]!;
    const callRatio = m.calls / Math.max(c.expected, 1e-9);
    if (c.level >= config.min_score && c.z > 0 && callRatio >= config.spike_min_ratio) {
      findings.push({
        ...base,
        kind: 'volume_spike',
        value: m.calls,
        expected: round(c.expected),
        score: c.level,
        severity: callRatio >= 5 || c.level >= 0.95 ? 'critical' : 'warning',
        summary: `Calls ${who(series)} at ${fmt(m.calls)}/min, ${callRatio.toFixed(1)}× the expected ${fmt(c.expected)}/min.`,
        details: { ratio: callRatio.toFixed(2), z: c.z.toFixed(1) },
      });
    } else if (c.level >= config.min_score && c.z < 0 && callRatio <= config.drop_max_ratio) {
      findings.push({
        ...base,
        kind: 'volume_drop',
        value: m.calls,
        expected: round(c.expected),
        score: c.level,
        severity: m.calls === 0 ? 'critical' : 'warning',
        summary: `Calls ${who(series)} fell to ${fmt(m.calls)}/min, expected about ${fmt(c.expected)}/min.`,
        details: { ratio: callRatio.toFixed(2), z: c.z.toFixed(1) },
      });
    }
    const b = bytes[i]!;
    const byteRatio = m.requestBytes / Math.max(b.expected, 1e-9);
    const perCall = m.calls > 0 ? m.requestBytes / m.calls : 0;
    const perCallRatio = usualPerCall > 0 ? perCall / usualPerCall : 1;
    // A call spike carries its bytes with it; bytes_spike is bytes beyond what the calls explain.
    const beyondCalls = perCallRatio >= 1.5 || callRatio < config.spike_min_ratio;
    if (b.level >= config.min_score && b.z > 0 && byteRatio >= config.bytes_min_ratio && beyondCalls) {
      findings.push({
        ...base,
        kind: 'bytes_spike',
        value: m.requestBytes,
        expected: round(b.expected),
        score: b.level,
        severity: byteRatio >= 5 || perCallRatio >= 5 ? 'critical' : 'warning',
        summary: `Request bytes ${who(series)} at ${fmt(m.requestBytes)}/min, ${byteRatio.toFixed(1)}× the expected ${fmt(b.expected)}/min (${fmt(perCall)} bytes per call, usually ${fmt(usualPerCall)}).`,
        details: { ratio: byteRatio.toFixed(2), bytes_per_call: perCall.toFixed(0), usual_bytes_per_call: usualPerCall.toFixed(0), calls: String(m.calls) },
      });
    }
    const error = detectErrors(series, i, config);
    if (error) findings.push(error);
    const latency = detectLatency(series, i, config);
    if (latency) findings.push(latency);
  }
  return findings;
}

/** Minimum calls behind a bytes-per-call figure before it is trusted. */
const MIN_CALLS_FOR_BYTES_PER_CALL = 100;

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

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function detectErrors(series: TrafficSeries, i: number, config: DetectionConfig): Finding | undefined {
  const m = series.minutes[i]!;
  if (m.errors < config.error_min_count || m.calls === 0) return undefined;
  // A series with little history borrows a small prior error ratio instead of trusting 0/3.
  const p0 = Math.min(0.99, (series.baseline.errorRatio * series.baseline.calls + 0.01 * 100) / (series.baseline.calls + 100));
  const ratio = m.errors / m.calls;
  if (ratio < p0 + config.error_min_increase) return undefined;
  const expected = m.calls * p0;
  const z = (m.errors - expected) / Math.sqrt(m.calls * p0 * (1 - p0) + 1);
  if (z < 4) return undefined;
  return {
    kind: 'error_spike',
    vendor: series.vendor,
    service: series.service,
    at: m.minute,
    value: round(ratio),
    expected: round(p0),
    score: scoreFromZ(z, 4),
    severity: ratio >= 0.5 ? 'critical' : 'warning',
    summary: `Errors ${who(series)}: ${m.errors} of ${m.calls} calls failed (${(ratio * 100).toFixed(0)}%), usually ${(p0 * 100).toFixed(1)}%.`,
    details: { errors: String(m.errors), calls: String(m.calls) },
  };
}

function detectLatency(series: TrafficSeries, i: number, config: DetectionConfig): Finding | undefined {
  const m = series.minutes[i]!;
  const base = series.baseline;
  if (m.calls < config.latency_min_calls || !Number.isFinite(m.latencyP95Ms) || !(base.latencyP95Median > 0)) return undefined;
  const ratio = m.latencyP95Ms / base.latencyP95Median;
  if (ratio < config.latency_min_ratio) return undefined;
  const spread = Math.max(Number.isFinite(base.latencyP95Mad) ? 1.4826 * base.latencyP95Mad : 0, 0.1 * base.latencyP95Median, 1);
  const z = (m.latencyP95Ms - base.latencyP95Median) / spread;
  if (z < 4) return undefined;
  const severity: Severity = ratio >= 5 ? 'critical' : 'warning';
  return {
    kind: 'latency_spike',
    vendor: series.vendor,
    service: series.service,
    at: m.minute,
    value: round(m.latencyP95Ms),
    expected: round(base.latencyP95Median),
    score: scoreFromZ(z, 4),
    severity,
    summary: `p95 latency ${who(series)} at ${fmt(m.latencyP95Ms)} ms, ${ratio.toFixed(1)}× the usual ${fmt(base.latencyP95Median)} ms.`,
    details: { ratio: ratio.toFixed(2), calls: String(m.calls) },
  };
}

/** Maps a z beyond `floor` into [0, 1): 0.5 at twice the floor. */
export function scoreFromZ(z: number, floor: number): number {
  if (z <= floor) return 0;
  const x = (z - floor) / floor;
  return x / (1 + x);
}
