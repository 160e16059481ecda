import { ConfigError } from '../common/errors.js';
import type { Alert } from '../common/types.js';
import { endSilence, insertSilence, selectSilences, type StoredSilence } from '../storage/silence-store.js';
import type { Store } from '../storage/store.js';
import { allMatch, parseMatcher, unknownLabelError } from '../common/label-matchers.js';
import type { Silence } from './silences.js';

/** What `silence add` asks for. */
export interface SilenceRequest {
  /** Matcher texts: `vendor=stripe`, `kind=~volume_.*`. At least one. */
  matchers: string[];
  /** How long from `startsAtMs` (or now). */
  durationMs: number;
  comment: string;
  createdBy?: string | undefined;
  startsAtMs?: number | undefined;
}

/** A silence as the CLI and API show it: stored form plus whether it is in force now. */
export interface SilenceView extends StoredSilence {
  state: 'active' | 'pending' | 'expired';
}

/** Validates and stores a silence; a ConfigError says which matcher or value is wrong. */
export async function addSilence(store: Store, request: SilenceRequest): Promise<SilenceView> {
  const problems: string[] = [];
  if (request.matchers.length === 0) problems.push('a silence needs at least one matcher, e.g. --match vendor=stripe');
  for (const text of request.matchers) {
    try {
      const unknown = unknownLabelError(text, parseMatcher(text));
      if (unknown) problems.push(unknown.message);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (!(request.durationMs > 0)) problems.push('the silence duration must be positive, e.g. --for 2h');
  if (request.comment.trim() === '') problems.push('a silence needs a comment saying why, e.g. --comment "stripe incident INC-42"');
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  const startsAtMs = request.startsAtMs ?? Date.now();
  const stored = await insertSilence(store, {
    matchers: request.matchers.map((m) => m.trim()),
    startsAtMs,
    endsAtMs: startsAtMs + request.durationMs,
    createdBy: request.createdBy ?? 'egresswatch',
    comment: request.comment.trim(),
  });
  return view(stored, Date.now());
}

/** Every silence, newest first, with its state now. */
export async function listSilences(store: Store, nowMs = Date.now()): Promise<SilenceView[]> {
  return (await selectSilences(store)).map((s) => view(s, nowMs));
}

/** Ends a silence now; a ConfigError when no silence has that id. */
export async function expireSilence(store: Store, id: string, nowMs = Date.now()): Promise<SilenceView> {
  const ended = await endSilence(store, id, nowMs);
  if (!ended) throw new ConfigError(`no silence with id '${id}' (see egresswatch silence list)`);
  return view(ended, nowMs);
}

/** Silences in force at `atMs`, parsed for matching. Unparseable stored matchers are skipped, not fatal. */
export async function activeSilences(store: Store, atMs = Date.now()): Promise<Silence[]> {
  const out: Silence[] = [];
  for (const s of await selectSilences(store, { activeAtMs: atMs })) {
    try {
      out.push({ ...s, matchers: s.matchers.map(parseMatcher) });
    } catch {
      continue;
    }
  }
  return out;
}

/** An alert as `alerts` and `/api/alerts` show it: `silencedBy` lists the silences keeping a firing alert from the receivers now. */
export type MarkedAlert<A> = A & { silencedBy?: string[] };

/**
 * Marks the firing alerts that silences in force now keep from every receiver (Alertmanager's
 * `status.silencedBy`): their ids, in the order `silence list` shows them. Resolved alerts are
 * left unmarked: a silence says nothing about a past state.
 */
export async function markSilenced<A extends Pick<Alert, 'status' | 'labels'>>(store: Store, alerts: readonly A[], nowMs = Date.now()): Promise<MarkedAlert<A>[]> {
  if (!alerts.some((a) => a.status === 'firing')) return [...alerts];
  const silences = (await activeSilences(store, nowMs)).filter((s) => s.matchers.length > 0);
  return alerts.map((a) => {
    if (a.status !== 'firing') return a;
    const ids = silences.filter((s) => allMatch(s.matchers, a.labels)).map((s) => s.id);
    return ids.length > 0 ? { ...a, silencedBy: ids } : a;
  });
}

function view(s: StoredSilence, nowMs: number): SilenceView {
  const state = Date.parse(s.endsAt) <= nowMs ? 'expired' : Date.parse(s.startsAt) > nowMs ? 'pending' : 'active';
  return { ...s, state };
}
