import { BroadcastChannel } from 'node:worker_threads';

/**
 * Why an `egress.*.pii` entry was not stored:
 * - `invalid_class`: `path:class` whose class is not a class name (`card-number`, `e mail`, non-ASCII);
 * - `malformed`: not a string, or no `path:` before the class.
 */
export type PiiDropReason = 'invalid_class' | 'malformed';

/**
 * PII entries the normaliser dropped, tallied where the collector's metrics live. Normalising
 * runs on the event loop for ordinary bodies and on the decode worker for large ones
 * (decode-thread.ts); the worker does not load prom-client, so it posts its tallies on this
 * channel and the thread that registered a reader (metrics.ts) adds them up.
 */
const CHANNEL = 'egresswatch:pii-entries-dropped';

/** This thread's tally, once a reader is registered here; before that, tallies are posted. */
let tally: Map<PiiDropReason, number> | undefined;
let outbox: Map<PiiDropReason, number> | undefined;
let sender: BroadcastChannel | undefined;

function add(into: Map<PiiDropReason, number>, reason: PiiDropReason, count: number): void {
  into.set(reason, (into.get(reason) ?? 0) + count);
}

/** Counts `count` entries dropped for `reason` (one span's list; called per span). */
export function countDroppedPiiEntries(reason: PiiDropReason, count: number): void {
  if (tally) return add(tally, reason, count);
  if (!outbox) {
    outbox = new Map();
    // One message per decoded body, not per span: the body is normalised in one synchronous run.
    queueMicrotask(flush);
  }
  add(outbox, reason, count);
}

function flush(): void {
  const sending = outbox;
  outbox = undefined;
  if (!sending) return;
  if (!sender) {
    sender = new BroadcastChannel(CHANNEL);
    sender.unref();
  }
  sender.postMessage([...sending]);
}

const isTallies = (data: unknown): data is [PiiDropReason, number][] =>
  Array.isArray(data) && data.every((e) => Array.isArray(e) && (e[0] === 'invalid_class' || e[0] === 'malformed') && Number.isSafeInteger(e[1]) && (e[1] as number) > 0);

/**
 * Makes this thread the one that adds tallies up (its own and the decode worker's) and answers a
 * function that hands over what was counted since its last call.
 */
export function readDroppedPiiEntries(): () => [PiiDropReason, number][] {
  tally ??= new Map();
  const own = tally;
  const receiver = new BroadcastChannel(CHANNEL);
  receiver.unref();
  receiver.onmessage = (event) => {
    const data = (event as MessageEvent).data as unknown;
    if (isTallies(data)) for (const [reason, count] of data) add(own, reason, count);
  };
  return () => {
    const taken = [...own];
    own.clear();
    return taken;
  };
}
