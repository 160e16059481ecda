import { SortedWindow } from './sorted-window.js';

/** A median |z| below this is never a shift, whatever the series' history (as the mean windows' floor, but a median is calmer). */
const MEDIAN_FLOOR = 1;
/** The share of the series' past medians a new one must exceed to count as rare (1.25 or 0.998 moved NAB ≤ 0.2). */
const MEDIAN_QUANTILE = 0.999;
/** Past medians needed before the quantile is trusted; below it only the floor applies. */
const MIN_HISTORY = 20;

/**
 * A level shift seen as the median of the last `points` deviations, judged against this series'
 * own history of that median. The mean windows of the scorer clamp each point, but in a series
 * that spikes often (travel times, tweet counts, a CPU that bursts) a few spikes per window still
 * keep its history of means high, so a sustained move of one or two spreads never stands out;
 * the median ignores up to half the window's points, so the spikes do not count and a move of
 * most of them does. Self-calibrating only (backtest): live detection judges window sums against
 * seasonal expectations with Poisson tails instead, and its scorers are rebuilt each cycle from 75
 * minutes, too few for a history of medians.
 *
 * Cost per point: a sorted insert into `points` values and one into the history window.
 */
export class MedianShift {
  private readonly recent: SortedWindow;
  private readonly history: SortedWindow;

  constructor(
    private readonly points: number,
    historyPoints: number,
  ) {
    this.recent = new SortedWindow(points);
    this.history = new SortedWindow(historyPoints);
  }

  /** Adds the latest point's z; returns how rare the window's median is (> 1 is rare), 0 until the window is full. */
  push(z: number): number {
    this.recent.push(z);
    if (this.recent.size < this.points) return 0;
    const median = Math.abs(this.recent.median());
    const usual = this.history.size >= MIN_HISTORY ? Math.max(MEDIAN_FLOOR, this.history.quantile(MEDIAN_QUANTILE)) : MEDIAN_FLOOR;
    this.history.push(median);
    return median / usual;
  }
}
