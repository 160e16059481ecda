import { SeasonalProfile } from './seasonal-profile.js';
import { SortedWindow } from './sorted-window.js';

/** Options of the streaming volume scorer; every field has a default in `resolveScorerOptions`. */
export interface VolumeScorerOptions {
  /** Points in the level baseline (median/MAD of past values). Default 5000 (≈ 3.5 days of minutes). */
  levelWindow?: number;
  /** Points of history before the first non-zero score (warm-up). Default 60. */
  warmupPoints?: number;
  /** Values are event counts: the spread never drops below the Poisson noise √expected. Default false. */
  counts?: boolean;
  /** Smallest absolute change that can matter (e.g. 5 calls/min); below it the score stays 0. Default 0. */
  minDelta?: number;
  /** Points over which a fired deviation must be beaten before it fires again. Default 30. */
  refractoryPoints?: number;
  /** Learn a time-of-day profile and use it when it explains the series better. Default true. */
  seasonal?: boolean;
  /**
   * Judge each deviation against this series' own history of deviations (default true). Live
   * detection turns it off: its seasonal hints already carry the slot's spread, and a finding must
   * keep firing while an incident lasts.
   */
  selfCalibrate?: boolean;
  /** Past deviations kept to learn how rare a deviation is for this series. Default 2000. */
  deviationWindow?: number;
}

type Resolved = Required<VolumeScorerOptions>;

function resolveScorerOptions(o: VolumeScorerOptions): Resolved {
  return {
    levelWindow: o.levelWindow ?? Number(process.env['EW_LW'] ?? 5000),
    warmupPoints: o.warmupPoints ?? 60,
    counts: o.counts ?? false,
    minDelta: o.minDelta ?? 0,
    refractoryPoints: o.refractoryPoints ?? Number(process.env['EW_RP'] ?? 30),
    seasonal: o.seasonal ?? true,
    selfCalibrate: o.selfCalibrate ?? true,
    deviationWindow: o.deviationWindow ?? Number(process.env['EW_DW'] ?? 2000),
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
/** |z| a deviation must exceed before it scores, when the series has no history of its own deviations. */
const Z_FLOOR = Number(process.env['EW_ZF'] ?? 3);
/** The share of past deviations a new one must exceed to count as rare. */
const DEVIATION_QUANTILE = Number(process.env['EW_Q'] ?? 0.995);
/** Values beyond this many spreads enter the baselines clamped (contamination resistance). */
const SHIFT_POINTS = Number(process.env['EW_SP'] ?? 24);
const SHIFT_CLAMP = Number(process.env['EW_SC'] ?? 4);
const SHIFT_FLOOR = Number(process.env['EW_SF'] ?? 1.5);
const CLAMP_SPREADS = Number(process.env['EW_CLAMP'] ?? 4);

/**
 * Causal, point-by-point anomaly scorer for one volume-like series. The same object scores NAB
 * rows in `backtest` and minute rollups in live detection, so what the benchmark measures is what
 * runs in production.
 *
 * Per point: a robust baseline (median/MAD of the level window, a learned time-of-day profile where
 * it explains the series better, or a seasonal hint computed in ClickHouse), a spread with floors
 * (relative, Poisson for counts, absolute `minDelta`), the deviation's rarity against this series'
 * own history of deviations (self-calibrating across noisy and quiet series), and a refractory rule
 * so one incident scores high once. Values far outside the baseline enter it clamped, so an
 * incident does not become the new normal within minutes.
 */
export class VolumeScorer {
  private readonly o: Resolved;
  private readonly level: SortedWindow;
  private readonly residuals: SortedWindow;
  private readonly deviations: SortedWindow;
  private readonly shifts: SortedWindow;
  private readonly shiftRecent: number[] = [];
  private shiftSum = 0;
  private readonly recentLevels: number[] = [];
  private profile: SeasonalProfile | undefined;
  private readonly gaps: number[] = [];
  private lastT = Number.NaN;
  private seen = 0;

  constructor(options: VolumeScorerOptions = {}) {
    this.o = resolveScorerOptions(options);
    this.level = new SortedWindow(this.o.levelWindow);
    this.residuals = new SortedWindow(this.o.levelWindow);
    this.deviations = new SortedWindow(this.o.deviationWindow);
    this.shifts = new SortedWindow(this.o.deviationWindow);
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
    spread = Math.max(spread, 0.01 * Math.abs(expected), o.counts ? Math.sqrt(Math.max(expected, 1)) : 0, 1e-9);
    // Counts: Anscombe's variance-stabilised deviation, 2(√x − √λ), is what a Poisson tail says
    // (calls falling from 20/min to 0 is far rarer than the normal approximation's −4.5σ); extra
    // seasonal spread beyond √λ scales it down.
    const z = o.counts
      ? (2 * (Math.sqrt(Math.max(0, value)) - Math.sqrt(Math.max(0, expected)))) / Math.max(1, spread / Math.sqrt(Math.max(expected, 1)))
      : (value - expected) / spread;
    const absZ = Math.abs(z);

    let usual = Z_FLOOR;
    if (o.selfCalibrate) {
      if (this.deviations.size >= 20) usual = Math.max(Z_FLOOR, this.deviations.quantile(DEVIATION_QUANTILE));
      this.deviations.push(absZ);
    }
    let rarity = absZ / usual;
    if (o.selfCalibrate && SHIFT_POINTS > 1) {
      // A sustained shift of a few spreads (a daily peak that stays low) never makes one point rare;
      // the mean of the last points, each clamped so that one wild point cannot fake a shift, does.
      const clampedZ = Math.max(-SHIFT_CLAMP, Math.min(SHIFT_CLAMP, z));
      this.shiftRecent.push(clampedZ);
      this.shiftSum += clampedZ;
      if (this.shiftRecent.length > SHIFT_POINTS) this.shiftSum -= this.shiftRecent.shift()!;
      const mean = Math.abs(this.shiftSum / this.shiftRecent.length);
      const floor = SHIFT_FLOOR;
      const usualShift = this.shifts.size >= 20 ? Math.max(floor, this.shifts.quantile(DEVIATION_QUANTILE)) : floor;
      this.shifts.push(mean);
      rarity = Math.max(rarity, mean / usualShift);
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
    const clamped = Math.min(expected + bound, Math.max(expected - bound, value));
    this.level.push(clamped);
    if (this.profile) {
      if (!Number.isNaN(slot)) this.residuals.push(clamped - slot);
      this.profile.add(t, clamped);
    }
    this.seen++;
    return { score, level, expected, spread, z };
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
    return residualSpread < Number(process.env['EW_SEAS'] ?? 0.7) * spread ? { expected: slot + offset, spread: residualSpread } : { expected, spread };
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
