import { SeasonalProfile } from './seasonal-profile.js';
import { SortedWindow } from './sorted-window.js';

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
  /** Points over which a fired deviation must be beaten before it fires again. Default 60. */
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
  };
}

/** A seasonal expectation supplied from outside (live detection computes it in ClickHouse). */
export interface SeasonalHint {
  expected: number;
  /** Robust spread (1.4826·MAD) of the same season slot. */
  spread: number;
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
/** Points averaged to see a sustained shift (2 h of 5-minute data). */
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
const SHORT_MARGIN = 1.05;
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
 * own history of deviations (self-calibrating across noisy and quiet series), judged again against
 * a short window's median/MAD (the local level, where the long spread is inflated by old regimes;
 * with self-calibration only, so not in live detection), and a refractory rule
 * so one incident scores high once. Values far outside the baseline enter it clamped, so an
 * incident does not become the new normal within minutes.
 */
export class VolumeScorer {
  private readonly o: Resolved;
  private readonly level: SortedWindow;
  private readonly residuals: SortedWindow;
  /** Past upward and downward deviations, apart: a series that spikes often may still never dip. */
  private readonly deviationsUp: SortedWindow;
  private readonly deviationsDown: SortedWindow;
  private readonly shifts: SortedWindow;
  /** The last SHORT_POINTS (clamped) values, and this series' past deviations from their median. */
  private readonly short = new SortedWindow(SHORT_POINTS);
  private readonly shortUp: SortedWindow;
  private readonly shortDown: SortedWindow;
  private readonly shiftRecent: number[] = [];
  private shiftSum = 0;
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
    this.residuals = new SortedWindow(this.o.levelWindow);
    this.deviationsUp = new SortedWindow(this.o.deviationWindow);
    this.deviationsDown = new SortedWindow(this.o.deviationWindow);
    this.shifts = new SortedWindow(this.o.deviationWindow);
    this.shortUp = new SortedWindow(this.o.deviationWindow);
    this.shortDown = new SortedWindow(this.o.deviationWindow);
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
    spread = Math.max(spread, RELATIVE_SPREAD_FLOOR * Math.abs(expected), o.counts ? Math.sqrt(Math.max(expected, 1)) : 0, 1e-9);
    // Counts: Anscombe's variance-stabilised deviation, 2(√x − √λ), is what a Poisson tail says
    // (calls falling from 20/min to 0 is far rarer than the normal approximation's −4.5σ); extra
    // seasonal spread beyond √λ scales it down.
    const z = o.counts
      ? (2 * (Math.sqrt(Math.max(0, value)) - Math.sqrt(Math.max(0, expected)))) / Math.max(1, spread / Math.sqrt(Math.max(expected, 1)))
      : (value - expected) / spread;
    const absZ = Math.abs(z);

    let usual = Z_FLOOR;
    if (o.selfCalibrate) {
      const side = z < 0 ? this.deviationsDown : this.deviationsUp;
      if (side.size >= 20) usual = Math.max(Z_FLOOR, side.quantile(DEVIATION_QUANTILE));
      this.deviationsUp.push(Math.max(0, z));
      this.deviationsDown.push(Math.max(0, -z));
    }
    let rarity = absZ / usual;
    if (o.selfCalibrate) {
      // A sustained shift of a few spreads (a daily peak that stays low) never makes one point rare;
      // the mean of the last points, each clamped so that one wild point cannot fake a shift, does.
      const clampedZ = Math.max(-SHIFT_CLAMP, Math.min(SHIFT_CLAMP, z));
      this.shiftRecent.push(clampedZ);
      this.shiftSum += clampedZ;
      if (this.shiftRecent.length > SHIFT_POINTS) this.shiftSum -= this.shiftRecent.shift()!;
      const mean = Math.abs(this.shiftSum / this.shiftRecent.length);
      const usualShift = this.shifts.size >= 20 ? Math.max(SHIFT_FLOOR, this.shifts.quantile(DEVIATION_QUANTILE)) : SHIFT_FLOOR;
      this.shifts.push(mean);
      rarity = Math.max(rarity, mean / usualShift, this.shortRarity(value));
    }
    let level = 0;
    if (this.seen >= o.warmupPoints && Math.abs(value - expected) >= o.minDelta && rarity > 1) {
      const x = rarity - 1;
      level = 1 - 1 / (1 + x * x + x);
    }
    // Refractory: within the last `refractoryPoints`, only a stronger deviation scores again.
    let recentMax = 0;
    for (const l of this.recentLevels) recentMax = Math.max(recentMax, l);
    const score = level > recentMax ? level : 0;
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
    if (o.selfCalibrate) this.short.push(clamped);
    if (this.profile) {
      if (!Number.isNaN(slot)) this.residuals.push(clamped - slot);
      this.profile.add(t, clamped);
    }
    this.seen++;
    return { score, level, expected, spread, z };
  }

  /**
   * Rarity of `value` against the short window's median/MAD, calibrated like the long one by this
   * series' own past short-window deviations (each side apart); 0 until the window has 20 points.
   */
  private shortRarity(value: number): number {
    if (this.short.size < 20) return 0;
    const center = this.short.median();
    const spread = Math.max(MAD_TO_SIGMA * this.short.mad(center), RELATIVE_SPREAD_FLOOR * Math.abs(center), 1e-9);
    const z = (value - center) / spread;
    const side = z < 0 ? this.shortDown : this.shortUp;
    const usual = side.size >= 20 ? Math.max(Z_FLOOR, side.quantile(SHORT_QUANTILE)) : Z_FLOOR;
    this.shortUp.push(Math.max(0, z));
    this.shortDown.push(Math.max(0, -z));
    return Math.abs(z) / usual / SHORT_MARGIN;
  }

  /** Flat robust level, or the time-of-day profile plus a robust offset where that fits better. */
  private baseline(t: number, slot: number, value: number): SeasonalHint {
    if (this.level.size === 0) return { expected: value, spread: 0 };
    const expected = this.level.median();
    const spread = MAD_TO_SIGMA * this.level.mad(expected);
    if (Number.isNaN(slot) || this.profile!.daysCovered() < SEASON_MIN_DAYS || this.residuals.size < 50) return { expected, spread };
    const offset = this.residuals.median();
    const residualSpread = MAD_TO_SIGMA * this.residuals.mad(offset);
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
