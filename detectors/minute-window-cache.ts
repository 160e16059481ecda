import type { MinuteRollup } from '../common/types.js';

const MINUTE_MS = 60_000;
/**
 * Minutes read again every cycle although read before: spans that arrive after `lag_seconds`
 * still count if they are at most this late. Older minutes are taken as final.
 */
const REREAD_MINUTES = 5;
/** Reads kept (one per scope: all vendors, or one per-vendor job's vendors). */
const MAX_SCOPES = 5_000;

interface Held {
  from: number;
  to: number;
  rows: MinuteRollup[];
}

/**
 * The recent minutes of every series, read incrementally: a cycle a minute after the last one
 * reads only the minutes that closed since, plus the last REREAD_MINUTES again, and keeps the
 * rest from before. The windows reach 60 minutes back (75 read), and reading them all each cycle
 * cost more than detecting on them; a fresh cache (a replay, a restart) reads everything once.
 */
export class MinuteWindowCache {
  private readonly held = new Map<string, Held>();

  /** The rows of [from, to) for `scope`, with `load(from, to)` reading what is not held. */
  async read(scope: string, from: number, to: number, load: (from: number, to: number) => Promise<MinuteRollup[]>): Promise<MinuteRollup[]> {
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
