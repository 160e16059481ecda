import type { Alert } from '../common/types.js';
import { deliveryReport, type DeliveryReport } from '../alerts/delivery-report.js';
import type { AlertState, AlertStates } from '../alerts/lifecycle.js';
import type { EnqueuedNotification, Notifier } from '../alerts/notifier.js';
import type { JobOutcome } from '../queue/job-queue.js';
import { listNotificationAttempts, type NotificationAttempt } from '../storage/alert-notification-store.js';
import { loadFiringAlerts, type ReplayedChange } from '../storage/alert-store.js';
import type { Store } from '../storage/store.js';
import type { DetectionSink, VendorStates } from './detection-step.js';

/** A replay's open alerts, in memory per vendor: the live states are never read or written. */
export class ScratchStates implements VendorStates {
  private readonly byVendor = new Map<string, AlertStates>();
  async load(vendor: string): Promise<AlertStates> {
    return this.byVendor.get(vendor) ?? {};
  }
  async save(vendor: string, _stepEnd: number, states: AlertStates): Promise<void> {
    // A vendor with nothing open is forgotten, so a long replay steps only vendors that have something.
    if (Object.keys(states).length === 0) this.byVendor.delete(vendor);
    else this.byVendor.set(vendor, states);
  }
  openVendors(): Iterable<string> {
    return this.byVendor.keys();
  }
  /** Every open alert, vendor by vendor. */
  all(): AlertState[] {
    return [...this.byVendor.values()].flatMap((states) => Object.values(states));
  }
}

/** What a replay's sink gathered over the window. */
export interface ReplayCollection {
  /** State changes in order: fired, escalated, resolved (repeat notifications are not state changes). */
  alerts: Alert[];
  /** The same, as `replay_alerts` rows would hold them (`source=replay`). */
  changes: ReplayedChange[];
}

/** A replay's sink and what it gathers; `delivery()` waits for the notifications (with a notifier). */
export interface ReplaySink extends DetectionSink {
  readonly collected: ReplayCollection;
  delivery(timeoutMs: number): Promise<DeliveryReport | undefined>;
}

/**
 * The replay's sink: collects every state change (a reminder of an alert firing at the same
 * severity is not one), and with a notifier sends them labelled `source=replay` — except a
 * replayed resolve of an alert that is firing live right now, which would close the live incident
 * (counted as held back). Notification ids are the live ones (receiver, group, state, window), so
 * what the live worker sent already is not sent again.
 */
export async function replaySink(store: Store, notifier: Notifier | undefined): Promise<ReplaySink> {
  const collected: ReplayCollection = { alerts: [], changes: [] };
  const liveFiring = notifier ? new Set((await loadFiringAlerts(store)).map((a) => a.fingerprint)) : new Set<string>();
  const notifications: EnqueuedNotification[] = [];
  const silenced: { fingerprint: string; status: string; silenceId: string }[] = [];
  let heldBack = 0;
  let offered = 0;
  return {
    collected,
    accept: async ({ stepEnd, before, transitions, volumeSpikesFiring }) => {
      const changes = transitions.filter((t) => !isRepeat(t, before));
      collected.alerts.push(...changes);
      collected.changes.push(...changes.map((alert) => ({ alert: asReplayed(alert), atMs: stepEnd })));
      if (!notifier || changes.length === 0) return;
      const sendable = changes.filter((t) => !(t.status === 'resolved' && liveFiring.has(t.fingerprint)));
      heldBack += changes.length - sendable.length;
      offered += sendable.length;
      const outcome = await notifier.notifyDetailed(sendable.map(asReplayed), stepEnd, { volumeSpikesFiring });
      notifications.push(...outcome.notifications);
      silenced.push(...outcome.silenced);
    },
    delivery: async (timeoutMs) => {
      if (!notifier) return undefined;
      const jobIds = [...new Set(notifications.map((n) => n.jobId))];
      const outcomes = await waitOutcomes(notifier, jobIds, timeoutMs);
      const attempts = await attemptsOf(store, jobIds);
      return deliveryReport({ receivers: notifier.receivers, notifications, outcomes, attempts, silenced, heldBack, offered });
    },
  };
}

/** A firing transition of an alert already firing at the same severity: a reminder, not a change. */
function isRepeat(transition: Alert, before: AlertStates): boolean {
  const prev = before[transition.fingerprint];
  return transition.status === 'firing' && prev?.phase === 'firing' && prev.notifiedSeverity === transition.severity;
}

/** Recorded and notified replay alerts say so (`source="replay"`), so a receiver or a silence can tell them from live ones. */
function asReplayed(alert: Alert): Alert {
  return { ...alert, labels: { ...alert.labels, source: 'replay' } };
}

/** Final outcomes; jobs not final when the wait ends are left out (still being retried). */
async function waitOutcomes(notifier: Notifier, jobIds: readonly string[], timeoutMs: number): Promise<Record<string, JobOutcome>> {
  if (jobIds.length === 0) return {};
  try {
    return await notifier.waitDelivered(jobIds, timeoutMs);
  } catch {
    // Timed out: each job's own attempts tell what became of it so far.
    return {};
  }
}

async function attemptsOf(store: Store, jobIds: readonly string[]): Promise<NotificationAttempt[]> {
  const out: NotificationAttempt[] = [];
  for (const jobId of jobIds) out.push(...(await listNotificationAttempts(store, { jobId })));
  return out;
}
