import { SeasonalProfile } from './seasonal-profile.js';
import { SortedWindow } from './sorted-window.js';
import { recentPoints } from './multi-window-plan.js';
import { logNegBinomialLower, logNegBinomialUpper, logPoissonLower, logPoissonUpper, zFromLogTail } from './multi-window-tails.js';

/** Options of the streaming volume scorer; every field has a default in `resolveScorerOptions`. */
export interface VolumeScorerOptions {
  /** Points in the level baseline (median/MAD of past values). Default 2500 (≈ 1.7 days of minutes, 8.7 of 5-minute points). */
  levelWindow?: number;
  /** Points of history before the first non-zero score (warm-up). Default 60. */
  warmupPoints?: number;
  /** Values are event counts: the spread never drops below the Poisson noise √expected. Default false. */
  counts?: boolean;
  /** Smallest absolute change that can matter (e.g. 5 calls/min); below it the score stays 0. Default 0. */
  minDelta?: number;
  /** Points over which a fired deviation must be beaten (by RESCORE_RATIO) before it fires again. Default 60. */
  refractoryPoints?: number;
  /** Learn a time-of-day profile and use it when it explains the series better. Default true. */
  seasonal?: boolean;
  /**
   * Judge each deviation against this series' own history of deviations (default true). Live
   * detection turns it off: its seasonal hints already carry the slot's spread, and a finding must
   * keep firing while an incident lasts.
   */
  selfCalibrate?: boolean;
  /** Past deviations kept to learn how rare a deviation is for this series. Default 10 000. */
  deviationWindow?: number;
  /**
   * Window lengths in points, each judged on its own (detectors/multi-window-plan.ts). Default
   * [1, 2, 6, 24] (NAB: 70.1 with [1, 24], 73.0 with these; bench/RESULTS.md). Self-calibrating, a window's evidence is the mean of its points' deviations (each
   * clamped, so one wild point cannot fake a shift) against this series' own history of that mean
   * (24 = a sustained shift over 2 h of 5-minute data); otherwise `windows()` judges each window's
   * sum against the sum of its expectations, with Poisson tails for counts.
   */
  windows?: readonly number[];
}

type Resolved = Required<VolumeScorerOptions>;

function resolveScorerOptions(o: VolumeScorerOptions): Resolved {
  return {
    levelWindow: o.levelWindow ?? 2500,
    warmupPoints: o.warmupPoints ?? 60,
    counts: o.counts ?? false,
    minDelta: o.minDelta ?? 0,
    refractoryPoints: o.refractoryPoints ?? 60,
    seasonal: o.seasonal ?? true,
    selfCalibrate: o.selfCalibrate ?? true,
    deviationWindow: o.deviationWindow ?? 10_000,
    windows: o.windows && o.windows.length > 0 ? [...o.windows].sort((a, b) => a - b) : [1, 2, 6, SHIFT_POINTS],
  };
}

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

/** What self-calibration keeps: past deviations (each side apart: a series that spikes often may still never dip) and the short window. */
interface Calibration {
  deviationsUp: SortedWindow;
  deviationsDown: SortedWindow;
  /** The last SHORT_POINTS (clamped) values, and this series' past deviations from their median. */
  short: SortedWindow;
  shortUp: SortedWindow;
  shortDown: SortedWindow;
}

/** The verdict on one point, given only the points before it. */
export interface ScoredPoint {
  /** In [0, 1], refractory applied: high once per incident (what NAB and backtest see). */
  score: number;
  /** In [0, 1], without the refractory rule: stays high while the deviation lasts (live findings). */
  level: number;
  expected: number;
  spread: number;
  /** Signed robust deviation (value − expected) / spread. */
  z: number;
}

const MAD_TO_SIGMA = 1.4826;
/** Days a time-of-day slot remembers: four weeks, like the live hour-of-week baseline. */
const SEASON_DAYS = 28;
/** Days of history before the time-of-day profile may be trusted. */
const SEASON_MIN_DAYS = 3;
/** The spread is never below this share of the expected level: a 2% wiggle of a flat series is not news. */
const RELATIVE_SPREAD_FLOOR = 0.02;
/** |z| a deviation must exceed before it scores, when the series has no history of its own deviations. */
const Z_FLOOR = 3;
/**
 * Relative uncertainty of a window's summed expectation (the day's level beyond what the recent
 * hours already corrected): a 60-minute window of a busy series is not judged to ±1.3%.
 */
const LEVEL_UNCERTAINTY = 0.1;
/**
 * Expected counts a window's recent part should hold before it can say "still deviating": twenty,
 * so that silence in it is itself a rare event (e^-20), and a return to normal shows clearly
 * enough that chance does not bring a finished incident back.
 */
const RECENT_MIN_COUNT = 20;
/** Columns of the ring: six that windows sum (value, expected, variance, clumped, uncertainty, events) and the clamped z. */
const RING_COLUMNS = 7;
/** A recent part's weight when only its share of the window counts. */
const enough = (): number => Number.POSITIVE_INFINITY;
const SUMMED_COLUMNS = 6;
const EVENTS = 5;
const CLAMPED_Z = 6;
/** Events a window's rate must promise in its last part before that part can say the deviation ended. */
const ENDED_MIN_EVENTS = 10;
/** The share of past deviations a new one must exceed to count as rare. */
const DEVIATION_QUANTILE = 0.998;
/** The default long window: points averaged to see a sustained shift (2 h of 5-minute data). */
const SHIFT_POINTS = 24;
/** Each point's |z| counts at most this much towards a shift. */
const SHIFT_CLAMP = 4;
/** A mean |z| below this is never a shift, whatever the series' history. */
const SHIFT_FLOOR = 1.5;
/**
 * Points in the short baseline: a deviation is also judged against the recent local level and
 * spread, where a long window's spread is inflated by older regimes (a calm series that starts to
 * drift, a spike on a quiet morning of a busy week).
 */
const SHORT_POINTS = 150;
/** The short baseline's rarity is divided by this: it is noisier, so it must be a little clearer. */
const SHORT_MARGIN = 1.1;
/**
 * Within the refractory points a deviation scores again only at this many times the strongest
 * level since: a level creeping up point by point through one excursion is one incident, not
 * several (NAB counts each scored point outside a window as a false positive).
 */
const RESCORE_RATIO = 1.2;
/** The share of past short-baseline deviations a new one must exceed to count as rare. */
const SHORT_QUANTILE = 0.999;
/** Neighbouring slots on each side that form the seasonal band. */
const BAND_K = 1;
/** The band runs from the slots' BAND_Q quantile to their 1 − BAND_Q quantile. */
const BAND_Q = 0.25;
/** Values beyond this many spreads enter the baselines clamped (contamination resistance). */
const CLAMP_SPREADS = 4;
/** Points in a row beyond the bound, on one side, after which the new level is accepted. */
const REGIME_POINTS = 36;

/**
 * Causal, point-by-point anomaly scorer for one volume-like series. The same object scores NAB
 * rows in `backtest` and minute rollups in live detection, so what the benchmark measures is what
 * runs in production.
 *
 * Per point: a robust baseline (median/MAD of the level window, a learned time-of-day profile where
 * it explains the series better, or a seasonal hint computed in ClickHouse), a spread with floors
 * (relative, Poisson for counts, absolute `minDelta`), the deviation's rarity against this series'
 * own history of deviations (self-calibrating across noisy and quiet series), the same for the mean
 * deviation over each longer window, judged again against a short window's median/MAD (the local
 * level, where the long spread is inflated by old regimes; with self-calibration only, so not in
 * live detection), and a refractory rule so one incident scores high once. Values far outside the
 * baseline enter it clamped, so an incident does not become the new normal within minutes. Live
 * detection reads `windows()`: every window's sum against its summed expectations.
 */
export class VolumeScorer {
  private readonly o: Resolved;
  private readonly level: SortedWindow;
  /** Residuals of the values from the time-of-day profile (with `seasonal` only). */
  private readonly residuals: SortedWindow | undefined;
  /** With self-calibration only (live detection builds two scorers per series a cycle and needs none of it). */
  private readonly calibration: Calibration | undefined;
  /** Windows longer than one point (self-calibrating): running sum of clamped z, past mean |z|. */
  private readonly longWindows: Array<{ points: number; sum: number; history: SortedWindow }>;
  /**
   * The last `capacity` (= max window) points, oldest overwritten first, one row of RING_COLUMNS
   * per point: value, expected, variance, clumped, uncertainty, events (expected / dispersion:
   * calls, or clumps of calls where they come in clumps), clamped z. One flat buffer: live
   * detection builds two scorers per series a cycle.
   */
  private readonly ring: Float64Array;
  private readonly capacity: number;
  private ringNext = 0;
  /** Scratch for `windows`: running sums of the first six ring columns, 0..capacity points back. */
  private readonly cumulative: Float64Array;
  /** Counts without self-calibration (live): the level window's values and sum, for its mean. */
  private readonly levelValues: number[] = [];
  private levelSum = 0;
  private readonly recentLevels: number[] = [];
  private profile: SeasonalProfile | undefined;
  private readonly gaps: number[] = [];
  private lastT = Number.NaN;
  private seen = 0;
  /** Consecutive points beyond the clamp bound, and on which side. */
  private outside = 0;
  private outsideSide = 0;

  constructor(options: VolumeScorerOptions = {}) {
    this.o = resolveScorerOptions(options);
    this.level = new SortedWindow(this.o.levelWindow);
    this.residuals = this.o.seasonal ? new SortedWindow(this.o.levelWindow) : undefined;
    this.calibration = this.o.selfCalibrate
      ? {
          deviationsUp: new SortedWindow(this.o.deviationWindow),
          deviationsDown: new SortedWindow(this.o.deviationWindow),
          short: new SortedWindow(SHORT_POINTS),
          shortUp: new SortedWindow(this.o.deviationWindow),
          shortDown: new SortedWindow(this.o.deviationWindow),
        }
      : undefined;
    this.longWindows = this.o.selfCalibrate ? this.o.windows.filter((w) => w > 1).map((points) => ({ points, sum: 0, history: new SortedWindow(this.o.deviationWindow) })) : [];
    this.capacity = Math.max(1, ...this.o.windows);
    this.ring = new Float64Array(RING_COLUMNS * this.capacity);
    this.cumulative = new Float64Array(SUMMED_COLUMNS * (this.capacity + 1));
  }

  /** Points seen so far. */
  get count(): number {
    return this.seen;
  }

  /** Scores `value` at time `t` (epoch ms) against the past, then learns from it. */
  update(t: number, value: number, seasonal?: SeasonalHint): ScoredPoint {
    const o = this.o;
    this.learnInterval(t);
    const slot = this.profile ? this.profile.expected(t) : Number.NaN;
    let { expected, spread } = seasonal ?? this.baseline(t, slot, value);
    const rawSpread = spread;
    spread = Math.max(spread, RELATIVE_SPREAD_FLOOR * Math.abs(expected), o.counts ? Math.sqrt(Math.max(expected, 1)) : 0, 1e-9);
    // Counts: Anscombe's variance-stabilised deviation, 2(√x − √λ), is what a Poisson tail says
    // (calls falling from 20/min to 0 is far rarer than the normal approximation's −4.5σ); extra
    // seasonal spread beyond √λ scales it down.
    const z = o.counts
      ? (2 * (Math.sqrt(Math.max(0, value)) - Math.sqrt(Math.max(0, expected)))) / Math.max(1, spread / Math.sqrt(Math.max(expected, 1)))
      : (value - expected) / spread;
    const absZ = Math.abs(z);
    const clampedZ = Math.max(-SHIFT_CLAMP, Math.min(SHIFT_CLAMP, z));
    // Window sums need a variance per point: for counts the Poisson (or clumped) variance itself,
    // not the √max(λ, 1) floor that keeps a single point's z sane at λ ≈ 0.
    const clumped = o.counts ? Math.max(0, expected) * (seasonal?.dispersion ?? 1) : 0;
    const variance = o.counts ? Math.max(rawSpread * rawSpread, clumped, (RELATIVE_SPREAD_FLOOR * expected) ** 2, 1e-12) : spread * spread;

    let usual = Z_FLOOR;
    const cal = this.calibration;
    if (cal) {
      const side = z < 0 ? cal.deviationsDown : cal.deviationsUp;
      if (side.size >= 20) usual = Math.max(Z_FLOOR, side.quantile(DEVIATION_QUANTILE));
      cal.deviationsUp.push(Math.max(0, z));
      cal.deviationsDown.push(Math.max(0, -z));
    }
    let rarity = absZ / usual;
    if (cal) {
      // A sustained shift of a few spreads (a daily peak that stays low) never makes one point rare;
      // the mean of a window's points, each clamped so that one wild point cannot fake a shift, does.
      for (const w of this.longWindows) {
        // The point leaving the window is `points` back from the latest: read before it is overwritten.
        w.sum += clampedZ;
        if (this.seen >= w.points) w.sum -= this.ring[this.ringIndex(w.points) * RING_COLUMNS + CLAMPED_Z]!;
        const mean = Math.abs(w.sum / Math.min(w.points, this.seen + 1));
        const usualMean = w.history.size >= 20 ? Math.max(SHIFT_FLOOR, w.history.quantile(DEVIATION_QUANTILE)) : SHIFT_FLOOR;
        w.history.push(mean);
        rarity = Math.max(rarity, mean / usualMean);
      }
      rarity = Math.max(rarity, this.shortRarity(cal, value));
    }
    this.remember(value, expected, variance, clumped, expected * (seasonal?.relativeError ?? 0), o.counts ? Math.max(0, expected) / Math.max(1, seasonal?.dispersion ?? 1) : 0, clampedZ);
    let level = 0;
    if (this.seen >= o.warmupPoints && Math.abs(value - expected) >= o.minDelta && rarity > 1) {
      const x = rarity - 1;
      level = 1 - 1 / (1 + x * x + x);
    }
    // Refractory: within the last `refractoryPoints`, only a stronger deviation scores again.
    let recentMax = 0;
    if (level > 0) for (const l of this.recentLevels) recentMax = Math.max(recentMax, l);
    const score = level > recentMax * RESCORE_RATIO ? level : 0;
    this.recentLevels.push(level);
    if (this.recentLevels.length > o.refractoryPoints) this.recentLevels.shift();

    const bound = CLAMP_SPREADS * spread;
    const side = value > expected + bound ? 1 : value < expected - bound ? -1 : 0;
    this.outside = side === 0 ? 0 : side === this.outsideSide ? this.outside + 1 : 1;
    this.outsideSide = side;
    // Clamped, an incident cannot drag the baseline; but after REGIME_POINTS points in a row on one
    // side the series has moved to a new level, and values go in as they are so the baseline follows.
    const clamped = this.outside >= REGIME_POINTS ? value : Math.min(expected + bound, Math.max(expected - bound, value));
    this.level.push(clamped);
    if (o.counts && !o.selfCalibrate) {
      this.levelValues.push(clamped);
      this.levelSum += clamped;
      if (this.levelValues.length > o.levelWindow) this.levelSum -= this.levelValues.shift()!;
    }
    cal?.short.push(clamped);
    if (this.profile) {
      if (!Number.isNaN(slot)) this.residuals?.push(clamped - slot);
      this.profile.add(t, clamped);
    }
    this.seen++;
    return { score, level, expected, spread, z };
  }

  /**
   * Every window ending at the latest point, with its recent part, as sums of values, expectations
   * and variances (live detection judges them with `windowZ` and `zBeyond`, cheapest gates first).
   * Windows longer than the points seen are left out.
   */
  windows(): WindowVerdict[] {
    const out: WindowVerdict[] = [];
    const seen = Math.min(this.seen, this.capacity);
    const ring = this.ring;
    const cum = this.cumulative;
    // Running sums backwards from the latest point, once: every window and part is then a lookup.
    for (let k = 1; k <= seen; k++) {
      const row = this.ringIndex(k) * RING_COLUMNS;
      const at = k * SUMMED_COLUMNS;
      for (let c = 0; c < SUMMED_COLUMNS; c++) cum[at + c] = cum[at - SUMMED_COLUMNS + c]! + ring[row + c]!;
    }
    for (const points of this.o.windows) {
      if (points > seen) continue;
      // Twenty expected events: a job that sends 25 calls every tenth minute has 2.5 of them in ten minutes, not 250.
      const recent = this.o.counts ? recentPoints(points, (k) => cum[k * SUMMED_COLUMNS + EVENTS]!, RECENT_MIN_COUNT) : recentPoints(points, enough, 0);
      // Built field by field: an object spread here was most of a live cycle's detector time.
      const at = points * SUMMED_COLUMNS;
      out.push({
        points,
        observed: cum[at]!,
        expected: cum[at + 1]!,
        variance: cum[at + 2]!,
        clumped: cum[at + 3]!,
        uncertainty: cum[at + 4]!,
        counts: this.o.counts,
        recent: this.sums(recent),
        last: this.sums(recentPoints(points, enough, 0)),
      });
    }
    return out;
  }

  /** Sums of the last `points` points, from the running sums `windows` just computed. */
  private sums(points: number): WindowSums {
    const at = points * SUMMED_COLUMNS;
    const cum = this.cumulative;
    return { points, observed: cum[at]!, expected: cum[at + 1]!, variance: cum[at + 2]!, clumped: cum[at + 3]!, uncertainty: cum[at + 4]!, counts: this.o.counts };
  }

  private remember(value: number, expected: number, variance: number, clumped: number, uncertainty: number, events: number, clampedZ: number): void {
    const row = this.ringNext * RING_COLUMNS;
    const ring = this.ring;
    ring[row] = value;
    ring[row + 1] = expected;
    ring[row + 2] = variance;
    ring[row + 3] = clumped;
    ring[row + 4] = uncertainty;
    ring[row + EVENTS] = events;
    ring[row + CLAMPED_Z] = clampedZ;
    this.ringNext = (this.ringNext + 1) % this.capacity;
  }

  /** Ring index of the point `k` back (1 = the latest). */
  private ringIndex(k: number): number {
    const n = this.capacity;
    return (this.ringNext - k + n * 2) % n;
  }


  /**
   * Rarity of `value` against the short window's median/MAD, calibrated like the long one by this
   * series' own past short-window deviations (each side apart); 0 until the window has 20 points.
   */
  private shortRarity(cal: Calibration, value: number): number {
    if (cal.short.size < 20) return 0;
    const center = cal.short.median();
    const spread = Math.max(MAD_TO_SIGMA * cal.short.mad(center), RELATIVE_SPREAD_FLOOR * Math.abs(center), 1e-9);
    const z = (value - center) / spread;
    const side = z < 0 ? cal.shortDown : cal.shortUp;
    const usual = side.size >= 20 ? Math.max(Z_FLOOR, side.quantile(SHORT_QUANTILE)) : Z_FLOOR;
    cal.shortUp.push(Math.max(0, z));
    cal.shortDown.push(Math.max(0, -z));
    return Math.abs(z) / usual / SHORT_MARGIN;
  }

  /** Flat robust level, or the time-of-day profile plus a robust offset where that fits better. */
  private baseline(t: number, slot: number, value: number): SeasonalHint {
    if (this.level.size === 0) return { expected: value, spread: 0 };
    // Live counts without a season: the mean, which windows can add up (a sparse series' median is 0).
    if (this.o.counts && !this.o.selfCalibrate) {
      const mean = this.levelSum / this.levelValues.length;
      return { expected: mean, spread: MAD_TO_SIGMA * this.level.mad() };
    }
    const expected = this.level.median();
    const spread = MAD_TO_SIGMA * this.level.mad(expected);
    const residuals = this.residuals;
    if (Number.isNaN(slot) || !residuals || this.profile!.daysCovered() < SEASON_MIN_DAYS || residuals.size < 50) return { expected, spread };
    const offset = residuals.median();
    const residualSpread = MAD_TO_SIGMA * residuals.mad(offset);
    // The season is used only where it explains the series clearly better than a flat level.
    if (!(residualSpread < 0.7 * spread)) return { expected, spread };
    // Inside the band of the neighbouring slots a value is as expected; outside, it is measured
    // from the nearer edge (a daily step that wanders by a few minutes is not an anomaly).
    const band = this.profile!.band(t, BAND_K, BAND_Q);
    if (!band) return { expected: slot + offset, spread: residualSpread };
    return { expected: Math.min(band.hi + offset, Math.max(band.lo + offset, value)), spread: residualSpread };
  }

  /** The profile starts once the sampling interval is known (median of the first gaps). */
  private learnInterval(t: number): void {
    if (!this.o.seasonal || this.profile || Number.isNaN(t)) return;
    if (!Number.isNaN(this.lastT) && t > this.lastT) this.gaps.push(t - this.lastT);
    this.lastT = t;
    if (this.gaps.length < 10) return;
    const interval = [...this.gaps].sort((a, b) => a - b)[5]!;
    const slotMs = Math.min(3_600_000, Math.max(60_000, interval));
    this.profile = new SeasonalProfile(slotMs, Math.max(1, Math.round(slotMs / interval)) * SEASON_DAYS);
  }
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
