import { recentPoints } from './multi-window-plan.js';
import type { WindowSums, WindowVerdict } from './window-verdicts.js';

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

/** What the scorer keeps of one point for its windows. */
export interface RingPoint {
  value: number;
  expected: number;
  /** At least the Poisson or clumped variance, for counts. */
  variance: number;
  /** Counts: expected × dispersion. */
  clumped: number;
  /** Standard error of `expected`. */
  uncertainty: number;
  /** Independent events expected: calls, or clumps of calls where they come in clumps. */
  events: number;
  /** The point's z clamped (self-calibrating long windows sum it). */
  clampedZ: number;
}

/**
 * The last `capacity` (= the longest window) points of a VolumeScorer, oldest overwritten first,
 * one row of RING_COLUMNS per point in one flat buffer (live detection builds two scorers per
 * series a cycle), and the windows ending at the latest point as sums over it.
 */
export class WindowRing {
  private readonly ring: Float64Array;
  private next = 0;
  private stored = 0;
  /** Scratch for `windows`: running sums of the first six ring columns, 0..capacity points back. */
  private readonly cumulative: Float64Array;

  constructor(
    private readonly capacity: number,
    private readonly counts: boolean,
  ) {
    this.ring = new Float64Array(RING_COLUMNS * capacity);
    this.cumulative = new Float64Array(SUMMED_COLUMNS * (capacity + 1));
  }

  /** The clamped z of the point `k` back (1 = the latest); read before `push` overwrites it. */
  clampedZ(k: number): number {
    return this.ring[this.index(k) * RING_COLUMNS + CLAMPED_Z]!;
  }

  push(p: RingPoint): void {
    const row = this.next * RING_COLUMNS;
    const ring = this.ring;
    ring[row] = p.value;
    ring[row + 1] = p.expected;
    ring[row + 2] = p.variance;
    ring[row + 3] = p.clumped;
    ring[row + 4] = p.uncertainty;
    ring[row + EVENTS] = p.events;
    ring[row + CLAMPED_Z] = p.clampedZ;
    this.next = (this.next + 1) % this.capacity;
    if (this.stored < this.capacity) this.stored++;
  }

  /**
   * Every window of `lengths` (ascending) ending at the latest point, with its recent part;
   * windows longer than the points held are left out.
   */
  windows(lengths: readonly number[]): WindowVerdict[] {
    const out: WindowVerdict[] = [];
    const seen = this.stored;
    const ring = this.ring;
    const cum = this.cumulative;
    // Running sums backwards from the latest point, once: every window and part is then a lookup.
    for (let k = 1; k <= seen; k++) {
      const row = this.index(k) * RING_COLUMNS;
      const at = k * SUMMED_COLUMNS;
      for (let c = 0; c < SUMMED_COLUMNS; c++) cum[at + c] = cum[at - SUMMED_COLUMNS + c]! + ring[row + c]!;
    }
    for (const points of lengths) {
      if (points > seen) continue;
      // Twenty expected events: a job that sends 25 calls every tenth minute has 2.5 of them in ten minutes, not 250.
      const recent = this.counts ? recentPoints(points, (k) => cum[k * SUMMED_COLUMNS + EVENTS]!, RECENT_MIN_COUNT) : recentPoints(points, enough, 0);
      // Built field by field: an object spread here was most of a live cycle's detector time.
      const at = points * SUMMED_COLUMNS;
      out.push({
        points,
        observed: cum[at]!,
        expected: cum[at + 1]!,
        variance: cum[at + 2]!,
        clumped: cum[at + 3]!,
        uncertainty: cum[at + 4]!,
        counts: this.counts,
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
    return { points, observed: cum[at]!, expected: cum[at + 1]!, variance: cum[at + 2]!, clumped: cum[at + 3]!, uncertainty: cum[at + 4]!, counts: this.counts };
  }

  /** Ring row of the point `k` back (1 = the latest). */
  private index(k: number): number {
    const n = this.capacity;
    return (this.next - k + n * 2) % n;
  }
}
