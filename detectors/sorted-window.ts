/**
 * A sliding window of the last `capacity` values kept in arrival order and in sorted order, so the
 * median and the MAD of the window cost O(log n + n/2) instead of a sort per point. The streaming
 * volume scorer runs this once per point over 365k NAB rows, so it has to be cheap.
 */
export class SortedWindow {
  private readonly fifo: number[] = [];
  private head = 0;
  private readonly sorted: number[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Adds a value; the oldest one leaves when the window is full. */
  push(value: number): void {
    if (this.sorted.length === this.capacity) {
      const oldest = this.fifo[this.head]!;
      this.head++;
      this.sorted.splice(lowerBound(this.sorted, oldest), 1);
      // Compact the arrival queue now and then instead of shifting on every push.
      if (this.head > this.capacity) {
        this.fifo.splice(0, this.head);
        this.head = 0;
      }
    }
    this.fifo.push(value);
    this.sorted.splice(upperBound(this.sorted, value), 0, value);
  }

  /** The q-quantile (0..1) by linear interpolation; NaN when empty. */
  quantile(q: number): number {
    const n = this.sorted.length;
    if (n === 0) return Number.NaN;
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return this.sorted[lo]! + (this.sorted[hi]! - this.sorted[lo]!) * (pos - lo);
  }

  median(): number {
    return this.quantile(0.5);
  }

  /** Median absolute deviation around `center` (default the median), exact, by merging both sides. */
  mad(center = this.median()): number {
    const s = this.sorted;
    const n = s.length;
    if (n === 0) return Number.NaN;
    // Distances grow outwards from the split point on both sides: merge them up to the middle rank.
    let right = upperBound(s, center);
    let left = right - 1;
    const want = Math.floor((n - 1) / 2);
    let last = 0;
    let prev = 0;
    for (let k = 0; k <= want + (n % 2 === 0 ? 1 : 0); k++) {
      const dl = left >= 0 ? center - s[left]! : Number.POSITIVE_INFINITY;
      const dr = right < n ? s[right]! - center : Number.POSITIVE_INFINITY;
      prev = last;
      if (dl <= dr) {
        last = dl;
        left--;
      } else {
        last = dr;
        right++;
      }
    }
    return n % 2 === 0 ? (prev + last) / 2 : last;
  }

  /** The newest values, oldest first. */
  recent(count: number): number[] {
    const end = this.fifo.length;
    return this.fifo.slice(Math.max(this.head, end - count), end);
  }
}

function lowerBound(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
