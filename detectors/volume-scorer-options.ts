/** The default long window: points averaged to see a sustained shift (2 h of 5-minute data). */
export const SHIFT_POINTS = 24;

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
  /**
   * Self-calibrating only: points whose median deviation is judged against this series' own
   * history of it (detectors/median-shift.ts), a sustained shift that spikes cannot hide; 0 turns
   * it off. Default 42 (3.5 h of 5-minute data; NAB 74.2 / 66.3 / 78.8 without, 76.3 / 67.8 /
   * 81.3 with 42, 75.5–75.6 / 66.9–67.1 / 80.5–80.6 with 36 or 48; bench/RESULTS.md 2026-12-05).
   */
  medianWindow?: number;
}

/** VolumeScorerOptions with every default filled in. */
export type ResolvedScorerOptions = Required<VolumeScorerOptions>;

/** Every default of VolumeScorerOptions, in one place. */
export function resolveScorerOptions(o: VolumeScorerOptions): ResolvedScorerOptions {
  if (o.medianWindow !== undefined && !(Number.isInteger(o.medianWindow) && o.medianWindow >= 0)) {
    throw new RangeError(`medianWindow must be a whole number of points ≥ 0 (0 = off), got ${o.medianWindow}`);
  }
  return {
    levelWindow: o.levelWindow ?? 2500,
    warmupPoints: o.warmupPoints ?? 60,
    counts: o.counts ?? false,
    minDelta: o.minDelta ?? 0,
    refractoryPoints: o.refractoryPoints ?? 60,
    seasonal: o.seasonal ?? true,
    selfCalibrate: o.selfCalibrate ?? true,
    deviationWindow: o.deviationWindow ?? 10_000,
    medianWindow: o.medianWindow ?? 42,
    windows: o.windows && o.windows.length > 0 ? [...o.windows].sort((a, b) => a - b) : [1, 2, 6, SHIFT_POINTS],
  };
}
