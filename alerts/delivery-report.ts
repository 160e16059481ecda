import type { JobOutcome } from '../queue/job-queue.js';
import type { NotificationAttempt } from '../storage/alert-notification-store.js';
import type { EnqueuedNotification } from './notifier.js';
import type { ResolvedReceiver } from './receivers-config.js';

/** Messages and the alert changes they carried, by state. */
export interface MessageCount {
  messages: number;
  firing: number;
  resolved: number;
}

/** What one receiver got from one `detect --notify`. */
export interface ReceiverDelivery {
  receiver: string;
  type: string;
  /** Delivered now. */
  sent: MessageCount;
  /** The same notification (receiver, group, state, window) was sent before: not sent again. */
  sentBefore: MessageCount;
  /** Finally failed; `reasons` hold the receivers' answers, e.g. `HTTP 400: Event object is invalid`. */
  failed: MessageCount & { reasons: string[] };
  /** Still being retried when the replay stopped waiting. */
  pending: MessageCount & { reasons: string[] };
}

/** The delivery side of `detect --notify`: one entry per receiver, plus what never went out. */
export interface DeliveryReport {
  receivers: ReceiverDelivery[];
  /** Alert changes a silence kept from every receiver, and the silences that did. */
  silenced: { changes: number; silenceIds: string[] };
  /** Replayed resolves of alerts firing live right now: not sent, they would close a live incident. */
  heldBack: number;
  /** Alert changes offered to the receivers (before silences). */
  offered: number;
}

export interface DeliveryFacts {
  receivers: readonly Pick<ResolvedReceiver, 'name' | 'type'>[];
  notifications: readonly EnqueuedNotification[];
  /** Final outcome per jobId from the queue; a job missing here is judged by its last attempt. */
  outcomes: Readonly<Record<string, JobOutcome>>;
  /** Attempts of these jobs, oldest first. */
  attempts: readonly NotificationAttempt[];
  silenced: readonly { fingerprint: string; status: string; silenceId: string }[];
  heldBack: number;
  offered: number;
}

const empty = (): MessageCount => ({ messages: 0, firing: 0, resolved: 0 });

function add(count: MessageCount, n: EnqueuedNotification): void {
  count.messages++;
  count[n.status] += n.alerts;
}

/**
 * Sums one replay's notifications per receiver: sent, sent before (a notification id that
 * existed), failed and still pending, with the real answer of the last attempt (its HTTP status
 * and the receiver's words) as the reason. Pure.
 */
export function deliveryReport(facts: DeliveryFacts): DeliveryReport {
  const last = new Map<string, NotificationAttempt>();
  for (const a of facts.attempts) last.set(a.jobId, a);
  const byReceiver = new Map<string, ReceiverDelivery>();
  for (const r of facts.receivers) {
    byReceiver.set(r.name, { receiver: r.name, type: r.type, sent: empty(), sentBefore: empty(), failed: { ...empty(), reasons: [] }, pending: { ...empty(), reasons: [] } });
  }
  const seen = new Set<string>();
  for (const n of facts.notifications) {
    if (seen.has(n.jobId)) continue;
    seen.add(n.jobId);
    let entry = byReceiver.get(n.receiver);
    if (!entry) byReceiver.set(n.receiver, (entry = { receiver: n.receiver, type: 'unknown', sent: empty(), sentBefore: empty(), failed: { ...empty(), reasons: [] }, pending: { ...empty(), reasons: [] } }));
    const attempt = last.get(n.jobId);
    // Without a final word from the queue (the wait ran out), the last attempt says what it is.
    const outcome = facts.outcomes[n.jobId] ?? (attempt?.outcome === 'delivered' || attempt?.outcome === 'skipped' ? 'completed' : attempt?.outcome === 'failed' ? 'failed' : undefined);
    const reason = attempt ? reasonOf(attempt) : '';
    if (outcome === 'failed') {
      add(entry.failed, n);
      const why = reason || 'failed (no attempt recorded)';
      if (!entry.failed.reasons.includes(why)) entry.failed.reasons.push(why);
    } else if (outcome === 'completed') {
      // A job that existed, or that found itself delivered already, went out before this replay.
      add(!n.added || attempt?.outcome === 'skipped' ? entry.sentBefore : entry.sent, n);
    } else {
      add(entry.pending, n);
      if (reason && !entry.pending.reasons.includes(reason)) entry.pending.reasons.push(reason);
    }
  }
  return {
    receivers: [...byReceiver.values()],
    silenced: { changes: facts.silenced.length, silenceIds: [...new Set(facts.silenced.map((s) => s.silenceId))] },
    heldBack: facts.heldBack,
    offered: facts.offered,
  };
}

/** The attempt's answer without the receiver name that opens every delivery error. */
function reasonOf(attempt: NotificationAttempt): string {
  if (attempt.outcome === 'delivered' || attempt.outcome === 'skipped') return '';
  const prefix = `${attempt.receiver}: `;
  const text = attempt.error.startsWith(prefix) ? attempt.error.slice(prefix.length) : attempt.error;
  // Every HTTP answer shows its status: errors without one (no answer) say what happened instead.
  return attempt.httpStatus > 0 && !text.includes(`HTTP ${attempt.httpStatus}`) ? `HTTP ${attempt.httpStatus}: ${text}` : text;
}
