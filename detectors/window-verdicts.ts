import { logNegBinomialLower, logNegBinomialUpper, logPoissonLower, logPoissonUpper, zFromLogTail } from './multi-window-tails.js';

/**
 * What the volume scorer hands live detection for each window (detectors/volume-scorer.ts
 * `windows()`), and the tails that judge them: a window's sums against its summed expectations.
 */

/**
 * Relative uncertainty of a window's summed expectation (the day's level beyond what the recent
 * hours already corrected): a 60-minute window of a busy series is not judged to ±1.3%.
 */
const LEVEL_UNCERTAINTY = 0.1;
/** Events a window's rate must promise in its last part before that part can say the deviation ended. */
const ENDED_MIN_EVENTS = 10;

/** A seasonal expectation supplied from outside (live detection computes it in ClickHouse). */
export interface SeasonalHint {
  /** The slot's mean: windows add expectations up, and a sparse series' median is 0. */
  expected: number;
  /** Robust spread (1.4826·MAD) of the same season slot. */
  spread: number;
  /**
   * Counts only: variance over mean of a minute's count where calls come in clumps (a job that
   * sends six at a time), which the quartiles of a mostly idle slot cannot show. Default 1 (Poisson).
   */
  dispersion?: number;
  /** Relative standard error of `expected` (the calls behind the slot and the recent level). Default 0. */
  relativeError?: number;
}

/** Sums over some points of a series: a window or its recent part. */
export interface WindowSums {
  /** Points (minutes) summed. */
  points: number;
  /** Sum of the values. */
  observed: number;
  /** Sum of the expectations. */
  expected: number;
  /** Sum of the points' variances (at least their Poisson or clumped variance, for counts). */
  variance: number;
  /** Counts: the part of `variance` that is Poisson in clumps (expected × dispersion), summed. */
  clumped: number;
  /** Standard error of `expected` itself: a slot mean from 35 calls is ±17% (all points share it, so errors add up). */
  uncertainty: number;
  /** Whether the values are counts (Poisson tails) or not (normal tails). */
  counts: boolean;
}

/** One window ending at the latest point (live detection; see `windows`), and its recent parts. */
export interface WindowVerdict extends WindowSums {
  /** The window's last twelfth, grown to hold twenty expected events: is the deviation still there on its own? */
  recent: WindowSums;
  /** The window's last twelfth (at least one point), not grown: has the deviation ended? */
  last: WindowSums;
}

/**
 * Signed z of a count `observed` against `expected` with `variance`, of which `clumped` is Poisson
 * in clumps (default: plain Poisson). Counted in clumps (all three divided by the clump size),
 * the rest of the variance is an uncertain rate: a negative binomial, whose tails stay right at
 * zero (ten calls expected, none came, is rare however unsure the ten) and widen for large counts.
 * Nothing expected and something seen is +∞; the detector's minimum change and texts take it from there.
 */
export function countZ(observed: number, expected: number, variance: number, clumped = expected): number {
  if (expected <= 0) return observed > 0 ? Number.POSITIVE_INFINITY : 0;
  const clump = Math.max(1, clumped / expected);
  const mean = expected / clump;
  const k = observed / clump;
  const excess = variance / (clump * clump) - mean;
  const upper = observed >= expected;
  if (excess <= mean * 1e-9) return upper ? zFromLogTail(logPoissonUpper(k, mean)) : -zFromLogTail(logPoissonLower(k, mean));
  const size = (mean * mean) / excess;
  return upper ? zFromLogTail(logNegBinomialUpper(k, mean, size)) : -zFromLogTail(logNegBinomialLower(k, mean, size));
}

/**
 * Signed z of a window's (or its recent part's) sum against its expectations: count tails for
 * counts (countZ), normal otherwise, with the expectation's own uncertainty and the day's level
 * (LEVEL_UNCERTAINTY) added to the points' variances.
 */
export function windowZ(w: WindowSums): number {
  const variance = w.variance + w.uncertainty ** 2 + (LEVEL_UNCERTAINTY * w.expected) ** 2;
  return w.counts ? countZ(w.observed, w.expected, variance, w.clumped) : (w.observed - w.expected) / Math.sqrt(Math.max(variance, 1e-18));
}

/**
 * How far a window is beyond `ratio` × its expectations, as a signed z: a rule's ratio (calls 1.5×
 * the usual, or 0.3×) must hold with some certainty, not only as a point estimate. A vendor
 * called once a minute on a quiet holiday (40%) shows 15 calls in an hour now and then where
 * 24 are usual: below 30% as a ratio, well within noise of it.
 */
export function zBeyond(w: WindowSums, ratio: number): number {
  const expected = ratio * w.expected;
  const variance = ratio * w.variance + (ratio * w.uncertainty) ** 2;
  return w.counts ? countZ(w.observed, expected, variance, ratio * w.clumped) : (w.observed - expected) / Math.sqrt(Math.max(variance, 1e-18));
}

/**
 * Signed z of a window's last part against the window's own ratio (as if the deviation went on):
 * strongly negative when a spike has ended (six calls in the last minute where the window ran at
 * 36 a minute), strongly positive when calls came back after a drop. 0 (no verdict) unless the
 * window's rate promises at least ENDED_MIN_EVENTS events — clumps of `clump` (a call of a byte
 * surge carries 15 calls' worth) — in the last part: a quiet minute of a vendor called once a
 * minute ends nothing.
 */
export function endedZ(w: WindowVerdict, clump = 1): number {
  const ratio = w.expected > 0 ? w.observed / w.expected : 1;
  const expected = Math.max(w.counts ? 0.5 : 0, ratio * w.last.expected);
  if (w.counts && expected / Math.max(1, clump) < ENDED_MIN_EVENTS) return 0;
  const dispersion = Math.max(1, clump, w.last.expected > 0 ? w.last.variance / w.last.expected : 1);
  if (w.counts) return countZ(w.last.observed, expected, expected * dispersion + (LEVEL_UNCERTAINTY * expected) ** 2, expected * dispersion);
  return (w.last.observed - expected) / Math.sqrt(Math.max(w.last.variance * Math.max(1, ratio * ratio), 1e-18));
}
