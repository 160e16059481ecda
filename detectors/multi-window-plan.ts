import { logNormalUpper, zFromLogTail } from './multi-window-tails.js';

/**
 * How every traffic rule is judged over several windows ending at the evaluated minute (the SRE
 * workbook's multi-window alerting, applied to volume, bytes, errors and latency alike):
 *
 * - Each window has its own threshold. A day holds 1440 one-minute windows but only 24 disjoint
 *   60-minute ones, so a longer window may fire on a less extreme tail for the same false alarms
 *   per day: the threshold tail is the one-minute tail times the window's length (4.85σ for one
 *   minute, 4.52σ for 5, 4.29σ for 15, 3.97σ for 60).
 * - A long window also needs its recent part (a twelfth of it, as in the workbook, and at least
 *   enough of it to hold a few expected events) to still show the condition: an incident that
 *   stopped ten minutes ago no longer keeps a 60-minute window firing, so its alert resolves.
 */

/** The golden ratio: a rarity of φ gives level ½ under the scorer's level curve. */
const GOLDEN = (1 + Math.sqrt(5)) / 2;
/** The scorer's |z| floor: level ½ (the default `min_score`) at 3·φ ≈ 4.85σ for one point. */
const Z_FLOOR = 3;
/** A long window's recent part is this share of it (the SRE workbook's 5 min of 1 h). */
const RECENT_SHARE = 1 / 12;
/**
 * The z a window's recent part must reach on its own (one-sided 0.13%): a burst that ended keeps
 * a 60-minute window high for most of an hour, but its quiet recent part falls under this at
 * once, and chance alone brings it back above so rarely that one incident stays one alert.
 */
export const RECENT_Z = 3;

const thresholds = new Map<number, number>();

/** |z| at which a window of `points` reaches level ½: the one-point tail times `points`. */
export function windowThresholdZ(points: number): number {
  let z = thresholds.get(points);
  if (z === undefined) {
    z = points <= 1 ? Z_FLOOR * GOLDEN : zFromLogTail(logNormalUpper(Z_FLOOR * GOLDEN) + Math.log(points));
    thresholds.set(points, z);
  }
  return z;
}

/**
 * The level in [0, 1) of a deviation of `z` over a window of `points`: the scorer's curve
 * 1 − 1/(1 + x + x²), x = rarity − 1, with the rarity scaled so that level ½ sits at the window's
 * threshold. One `min_score` then means the same false-alarm rate for every window.
 */
export function windowLevel(z: number, points: number): number {
  const rarity = (Math.abs(z) * GOLDEN) / windowThresholdZ(points);
  if (rarity <= 1) return 0;
  const x = rarity - 1;
  return 1 - 1 / (1 + x * x + x);
}

/**
 * Points in the recent part of a window of `points`: a twelfth of it (at least one point), grown
 * backwards until `weight(k)` (the evidence in the last k points, e.g. expected calls) reaches
 * `minWeight` — two calls in five minutes cannot say whether an error ratio is still high — and
 * never past the window itself.
 */
export function recentPoints(points: number, weight: (k: number) => number, minWeight: number): number {
  let k = Math.max(1, Math.ceil(points * RECENT_SHARE));
  while (k < points && weight(k) < minWeight) k++;
  return Math.min(k, points);
}
