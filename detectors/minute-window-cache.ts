import { REREAD_MINUTES } from './recent-series-window.js';

const MINUTE_MS = 60_000;
/** Reads kept (one per scope: all vendors, or one per-vendor job's vendors). */
const MAX_SCOPES = 5_000;

interface Held<T> {
  from: number;
  to: number;
  rows: T[];
}

/**
 * Rows per minute of a window that moves a minute a cycle, read incrementally: a cycle a minute
 * after the last one reads only the minutes that closed since, plus the last REREAD_MINUTES again,
 * and keeps the rest from before. A fresh cache (a replay, a restart) reads everything once.
 * Used for the route minutes (route activity, budget hits); the recent minutes of every series
 * are kept assembled instead (recent-series-window.ts).
 */
export class MinuteWindowCache<T extends { minute: number }> {
  private readonly held = new Map<string, Held<T>>();

  /** The rows of [from, to) for `scope`, with `load(from, to)` reading what is not held. */
  async read(scope: string, from: number, to: number, load: (from: number, to: number) => Promise<T[]>): Promise<T[]> {
    const prev = this.held.get(scope);
    // Only a window moving forwards over what is held can reuse it.
    const reuseTo = prev && prev.from <= from && prev.to <= to && prev.to > from ? Math.max(from, prev.to - REREAD_MINUTES * MINUTE_MS) : from;
    const fresh = await load(reuseTo, to);
    const rows = prev && reuseTo > from ? [...prev.rows.filter((r) => r.minute >= from && r.minute < reuseTo), ...fresh] : fresh;
    this.held.delete(scope);
    this.held.set(scope, { from, to, rows });
    for (const oldest of this.held.keys()) {
      if (this.held.size <= MAX_SCOPES) break;
      this.held.delete(oldest);
    }
    return rows;
  }
}
