import { MedianShift } from './median-shift.js';
import { SeasonalProfile } from './seasonal-profile.js';
import { SortedWindow } from './sorted-window.js';
import { resolveScorerOptions, type ResolvedScorerOptions, type VolumeScorerOptions } from './volume-scorer-options.js';
import type { SeasonalHint, WindowVerdict } from './window-verdicts.js';
import { WindowRing } from './window-ring.js';

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
/** The share of past deviations a new one must exceed to count as rare. */
const DEVIATION_QUANTILE = 0.998;
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
 * deviation over each longer window and for the median deviation over `medianWindow` points, judged again against a short window's median/MAD (the local
 * level, where the long spread is inflated by old regimes; with self-calibration only, so not in
 * live detection), and a refractory rule so one incident scores high once. Values far outside the
 * baseline enter it clamped, so an incident does not become the new normal within minutes. Live
 * detection reads `windows()`: every window's sum against its summed expectations.
 */
export class VolumeScorer {
  private readonly o: ResolvedScorerOptions;
  /** The level window sorted (median/MAD); undefined for live counts (see levelValues). */
  private readonly level: SortedWindow | undefined;
  /** Residuals of the values from the time-of-day profile (with `seasonal` only). */
  private readonly residuals: SortedWindow | undefined;
  /** With self-calibration only (live detection builds two scorers per series a cycle and needs none of it). */
  private readonly calibration: Calibration | undefined;
  /** Windows longer than one point (self-calibrating): running sum of clamped z, past mean |z|. */
  private readonly longWindows: Array<{ points: number; sum: number; history: SortedWindow }>;
  /** Self-calibrating: the median of the last `medianWindow` z, against its own history (median-shift.ts). */
  private readonly medianShift: MedianShift | undefined;
  /** The last points, for the windows (the longest window's worth). */
  private readonly ring: WindowRing;
  /**
   * Counts without self-calibration (live): the level window's values and sum, for its mean. The
   * sorted `level` is not kept then: live series have seasonal hints for nearly every minute, and
   * keeping it sorted was a third of the scorer's time in a bench:detect cycle; a minute without a
   * hint sorts these values instead.
   */
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
    this.level = this.o.counts && !this.o.selfCalibrate ? undefined : new SortedWindow(this.o.levelWindow);
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
    this.medianShift = this.o.selfCalibrate && this.o.medianWindow > 0 ? new MedianShift(this.o.medianWindow, this.o.deviationWindow) : undefined;
    this.ring = new WindowRing(Math.max(1, ...this.o.windows), this.o.counts);
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
        if (this.seen >= w.points) w.sum -= this.ring.clampedZ(w.points);
        const mean = Math.abs(w.sum / Math.min(w.points, this.seen + 1));
        const usualMean = w.history.size >= 20 ? Math.max(SHIFT_FLOOR, w.history.quantile(DEVIATION_QUANTILE)) : SHIFT_FLOOR;
        w.history.push(mean);
        rarity = Math.max(rarity, mean / usualMean);
      }
      if (this.medianShift) rarity = Math.max(rarity, this.medianShift.push(z));
      rarity = Math.max(rarity, this.shortRarity(cal, value));
    }
    this.ring.push({
      value,
      expected,
      variance,
      clumped,
      uncertainty: expected * (seasonal?.relativeError ?? 0),
      events: o.counts ? Math.max(0, expected) / Math.max(1, seasonal?.dispersion ?? 1) : 0,
      clampedZ,
    });
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
    this.level?.push(clamped);
    if (!this.level) {
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
    return this.ring.windows(this.o.windows);
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
    // Live counts without a season: the mean, which windows can add up (a sparse series' median is 0).
    if (!this.level) {
      if (this.levelValues.length === 0) return { expected: value, spread: 0 };
      const sorted = new SortedWindow(this.o.levelWindow);
      for (const v of this.levelValues) sorted.push(v);
      return { expected: this.levelSum / this.levelValues.length, spread: MAD_TO_SIGMA * sorted.mad() };
    }
    if (this.level.size === 0) return { expected: value, spread: 0 };
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
