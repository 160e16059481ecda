import { SortedWindow } from './sorted-window.js';

const DAY_MS = 86_400_000;

/**
 * Online time-of-day profile: for each slot of the day, the values seen in that slot (and its
 * neighbours) over the last `days` days. Gives the seasonal expectation of a point from the same
 * time on previous days, with no knowledge of the future.
 */
export class SeasonalProfile {
  private readonly slots: SortedWindow[];
  private firstT = Number.NaN;
  private lastT = Number.NaN;

  /**
   * @param slotMs width of one slot (e.g. 15 min); values in neighbouring slots are pooled.
   * @param valuesPerSlot how many past values a slot keeps (≈ days × points per slot).
   */
  constructor(
    private readonly slotMs: number,
    valuesPerSlot: number,
  ) {
    const count = Math.max(1, Math.round(DAY_MS / slotMs));
    this.slots = Array.from({ length: count }, () => new SortedWindow(valuesPerSlot));
  }

  private slotOf(t: number): number {
    const n = this.slots.length;
    return (((Math.floor((t % DAY_MS) / this.slotMs)) % n) + n) % n;
  }

  /** Days of history covered so far. */
  daysCovered(): number {
    return Number.isNaN(this.firstT) ? 0 : (this.lastT - this.firstT) / DAY_MS;
  }

  /** Median of the slot of `t`, or NaN when the slot has too few values. */
  expected(t: number, minValues = 3): number {
    const slot = this.slots[this.slotOf(t)]!;
    return slot.size >= minValues ? slot.median() : Number.NaN;
  }

  /** Robust spread (1.4826·MAD) of the slot of `t`; NaN when the slot has too few values. */
  spread(t: number, minValues = 3): number {
    const slot = this.slots[this.slotOf(t)]!;
    return slot.size >= minValues ? 1.4826 * slot.mad() : Number.NaN;
  }

  /**
   * The band the neighbouring slots (±`k`) span on past days, from their `q` and 1−`q` quantiles: a
   * daily step that comes a few minutes early or late stays inside it.
   */
  band(t: number, k: number, q: number, minValues = 3): { lo: number; hi: number } | undefined {
    const n = this.slots.length;
    const center = this.slotOf(t);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let d = -k; d <= k; d++) {
      const slot = this.slots[(((center + d) % n) + n) % n]!;
      if (slot.size < minValues) return undefined;
      lo = Math.min(lo, slot.quantile(q));
      hi = Math.max(hi, slot.quantile(1 - q));
    }
    return { lo, hi };
  }

  add(t: number, value: number): void {
    if (Number.isNaN(this.firstT)) this.firstT = t;
    this.lastT = Math.max(this.lastT || t, t);
    this.slots[this.slotOf(t)]!.push(value);
  }
}
