/** Routes tracked before the counters start over; bounds memory when paths are unbounded. */
const MAX_ROUTES = 10_000;

/**
 * Shapes for 1 call in N per route key (method, host, route template). The first call of every
 * route is captured, so a new endpoint shows up in the data map immediately.
 */
export class ShapeSampler {
  private readonly counts = new Map<string, number>();

  constructor(private readonly every: number) {}

  /** True when every call is captured, so callers can skip building the route key. */
  get capturesAll(): boolean {
    return this.every <= 1;
  }

  shouldCapture(routeKey: string): boolean {
    if (this.every <= 1) return true;
    const seen = this.counts.get(routeKey) ?? 0;
    if (this.counts.size >= MAX_ROUTES && seen === 0) this.counts.clear();
    this.counts.set(routeKey, seen + 1);
    return seen % this.every === 0;
  }
}
