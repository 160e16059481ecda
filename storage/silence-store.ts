import { randomUUID } from 'node:crypto';
import { isoFromClickHouse } from './clickhouse-time.js';
import { wrapStoreError, type Store } from './store.js';

/** A silence as stored; matchers are kept as text (`vendor=stripe`) and parsed by alerts/. */
export interface StoredSilence {
  id: string;
  matchers: string[];
  /** RFC 3339. */
  startsAt: string;
  /** RFC 3339. */
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface NewSilence {
  matchers: string[];
  startsAtMs: number;
  endsAtMs: number;
  createdBy: string;
  comment: string;
}

/** Stores a new silence and returns it with its id. */
export async function insertSilence(store: Store, silence: NewSilence): Promise<StoredSilence> {
  const id = randomUUID();
  await write(store, { id, matchers: silence.matchers, startsAtMs: silence.startsAtMs, endsAtMs: silence.endsAtMs, createdBy: silence.createdBy, comment: silence.comment });
  return { id, matchers: silence.matchers, startsAt: new Date(silence.startsAtMs).toISOString(), endsAt: new Date(silence.endsAtMs).toISOString(), createdBy: silence.createdBy, comment: silence.comment };
}

/** Silences (latest version of each), newest first; `activeAtMs` keeps only those in force then. */
export async function selectSilences(store: Store, options: { activeAtMs?: number; id?: string } = {}): Promise<StoredSilence[]> {
  const having: string[] = [];
  if (options.activeAtMs !== undefined) having.push('s_starts <= fromUnixTimestamp64Milli({at:Int64}) AND s_ends > fromUnixTimestamp64Milli({at:Int64})');
  try {
    const rs = await store.client.query({
      query: `
        SELECT id, argMax(matchers, updated_at) AS s_matchers, argMax(starts_at, updated_at) AS s_starts,
               argMax(ends_at, updated_at) AS s_ends, argMax(created_by, updated_at) AS s_by, argMax(comment, updated_at) AS s_comment
        FROM silences
        ${options.id ? 'WHERE id = {id:String}' : ''}
        GROUP BY id
        ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
        ORDER BY s_starts DESC, id`,
      query_params: { at: options.activeAtMs ?? 0, id: options.id ?? '' },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ id: string; s_matchers: string[]; s_starts: string; s_ends: string; s_by: string; s_comment: string }>();
    return rows.map((r) => ({
      id: r.id,
      matchers: r.s_matchers,
      startsAt: isoFromClickHouse(r.s_starts),
      endsAt: isoFromClickHouse(r.s_ends),
      createdBy: r.s_by,
      comment: r.s_comment,
    }));
  } catch (err) {
    throw wrapStoreError(err, 'cannot read silences');
  }
}

/** Ends a silence at `atMs` (a new version of the row). Returns undefined when the id is unknown. */
export async function endSilence(store: Store, id: string, atMs: number): Promise<StoredSilence | undefined> {
  const [current] = await selectSilences(store, { id });
  if (!current) return undefined;
  const endsAtMs = Math.min(Date.parse(current.endsAt), atMs);
  const startsAtMs = Math.min(Date.parse(current.startsAt), endsAtMs);
  await write(store, { id, matchers: current.matchers, startsAtMs, endsAtMs, createdBy: current.createdBy, comment: current.comment });
  return { ...current, startsAt: new Date(startsAtMs).toISOString(), endsAt: new Date(endsAtMs).toISOString() };
}

async function write(store: Store, s: { id: string; matchers: string[]; startsAtMs: number; endsAtMs: number; createdBy: string; comment: string }): Promise<void> {
  try {
    await store.client.insert({
      table: 'silences',
      format: 'JSONEachRow',
      values: [
        {
          id: s.id,
          matchers: s.matchers,
          starts_at: new Date(s.startsAtMs).toISOString(),
          ends_at: new Date(s.endsAtMs).toISOString(),
          created_by: s.createdBy,
          comment: s.comment,
          updated_at: new Date(nextVersionMs()).toISOString(),
        },
      ],
    });
  } catch (err) {
    throw wrapStoreError(err, 'cannot store the silence');
  }
}

let lastVersionMs = 0;

/** Strictly increasing in this process: an expiry written in the same millisecond as the creation still wins. */
function nextVersionMs(): number {
  lastVersionMs = Math.max(Date.now(), lastVersionMs + 1);
  return lastVersionMs;
}

