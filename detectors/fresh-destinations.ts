import type { Destination } from '../common/history.js';
import { readDestinations } from '../storage/detection-queries.js';
import type { Store } from '../storage/store.js';
import { REREAD_MINUTES } from './recent-series-window.js';

const MINUTE_MS = 60_000;

/** Destinations seen since the last complete hour, per DetectionCache (the key): [from, to) and what they hold. */
const freshDestinations = new WeakMap<object, { from: number; to: number; rows: Destination[] }>();

/**
 * The destinations of [from, to), read incrementally: a cycle a minute after the last one reads
 * the minutes that closed since plus the last REREAD_MINUTES again and merges them (first and
 * last seen are a min and a max, so reading a minute twice changes nothing). Reading the whole
 * stretch since the hour began was a second scan of up to 65 minutes of every series per cycle.
 */
export async function destinationsSince(cache: object, store: Store, from: number, to: number): Promise<Destination[]> {
  const prev = freshDestinations.get(cache);
  const reuse = prev !== undefined && prev.from === from && prev.to <= to && prev.to > from;
  const readFrom = reuse ? Math.max(from, prev.to - REREAD_MINUTES * MINUTE_MS) : from;
  const read = await readDestinations(store, readFrom, to);
  const rows = reuse ? mergeDestinations(prev.rows, read) : read;
  freshDestinations.set(cache, { from, to, rows });
  return rows;
}

/** One destination per (service, vendor, host): the earliest first and the latest last seen. */
export function mergeDestinations(a: readonly Destination[], b: readonly Destination[]): Destination[] {
  const out = new Map<string, Destination>();
  for (const d of [...a, ...b]) {
    const k = `${d.service}\u0000${d.vendor}\u0000${d.host}`;
    const prev = out.get(k);
    out.set(k, prev ? { ...prev, firstSeen: Math.min(prev.firstSeen, d.firstSeen), lastSeen: Math.max(prev.lastSeen, d.lastSeen) } : { ...d });
  }
  return [...out.values()];
}
