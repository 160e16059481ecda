import { ConfigError } from '../common/errors.js';
import { endSilence, insertSilence, selectSilences, type StoredSilence } from '../storage/silence-store.js';
import type { Store } from '../storage/store.js';
import { parseMatcher } from './matchers.js';
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
      parseMatcher(text);
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

function view(s: StoredSilence, nowMs: number): SilenceView {
  const state = Date.parse(s.endsAt) <= nowMs ? 'expired' : Date.parse(s.startsAt) > nowMs ? 'pending' : 'active';
  return { ...s, state };
}
