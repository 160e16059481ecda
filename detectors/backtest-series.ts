import { VolumeScorer } from './volume-scorer.js';
import type { VolumeScorerOptions } from './volume-scorer-options.js';

/** What a backtest series measures; counts get Poisson-aware floors. */
export const BACKTEST_METRICS = ['value', 'calls', 'request_bytes', 'response_bytes', 'errors', 'latency_p95'] as const;
export type BacktestMetric = (typeof BACKTEST_METRICS)[number];

/** Scorer options the production detector uses for a metric (no per-series tuning). */
export function scorerOptionsFor(metric: BacktestMetric): VolumeScorerOptions {
  return { counts: metric === 'calls' || metric === 'errors' };
}

/**
 * Scores a series causally, point by point, with the production volume scorer: the score of row i
 * depends on rows 0..i only. Returns one score in [0, 1] per value.
 */
export function scoreSeries(times: readonly number[], values: readonly number[], metric: BacktestMetric = 'value'): number[] {
  const scorer = new VolumeScorer(scorerOptionsFor(metric));
  return values.map((v, i) => scorer.update(times[i] ?? Number.NaN, v).score);
}
