import type { Config } from '../common/config/index.js';
import { PermanentDeliveryError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import type { Alert } from '../common/types.js';
import type { JobContext, JobOutcome, QueueBackend } from '../queue/job-queue.js';
import { recordNotificationAttempts, wasDelivered, type NotificationAttempt } from '../storage/alert-notification-store.js';
import type { Store } from '../storage/store.js';
import { statusOf } from './http-delivery.js';
import { alertLinks } from './links.js';
import {
  notificationAttemptSeconds,
  notificationAttemptsTotal,
  notificationsQueuedTotal,
  notificationsSilencedTotal,
  notificationsTotal,
} from './metrics.js';
import { pagerDutyEvents, sendPagerDuty } from './pagerduty.js';
import { resolveReceivers, type ResolvedReceiver } from './receivers-config.js';
import { planNotifications, type NotificationJob, type NotificationPlan } from './routing.js';
import { activeSilences } from './silence-service.js';
import type { Silence } from './silences.js';
import { sendSlack, slackMessage } from './slack.js';
import { alertmanagerPayload, sendWebhook } from './webhook.js';

const log = logger('alerts');

/** Default queue of notification jobs. */
export const NOTIFICATION_QUEUE = 'egresswatch-notifications';

export interface NotifierOptions {
  /** Records every attempt, reads silences, and guards against resending a delivered job. Optional (tests, producer-only). */
  store?: Store | undefined;
  backend: QueueBackend;
  config: Pick<Config, 'alerts' | 'vendors' | 'collector'>;
  /** Where receiver secrets come from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Whether this process delivers (runs the worker) or only enqueues. Default true. */
  work?: boolean;
  /** Queue name; default `egresswatch-notifications`. Tests use a unique one. */
  queueName?: string;
  /** Clock; default Date.now. */
  now?: () => number;
}

/** What the lifecycle knows beyond this step's transitions. */
export interface NotifyContext {
  /** (vendor, service) pairs with a volume_spike firing after the step (inhibits their bytes_spike). */
  volumeSpikesFiring?: readonly { vendor: string; service: string }[];
}

/** One notification of a step, as enqueued. */
export interface EnqueuedNotification {
  jobId: string;
  receiver: string;
  status: 'firing' | 'resolved';
  /** Alert changes the message carries (duplicates folded into it included). */
  alerts: number;
  /** False when a notification with this id existed already: it was sent (or queued) before. */
  added: boolean;
}

/** What `notifyDetailed` did with one step's transitions. */
export interface NotifyOutcome {
  notifications: EnqueuedNotification[];
  /** Changes a silence kept from every receiver, with the silence's id. */
  silenced: NotificationPlan['silenced'];
}

export interface Notifier {
  /**
   * Plans and enqueues notifications for one step's transitions (from `advance`). `atMs` is the
   * step's end (default now): it picks the group window, so replaying the same step enqueues
   * nothing new. Returns the jobIds of every notification of this step (new or already queued).
   */
  notify(transitions: readonly Alert[], atMs?: number, context?: NotifyContext): Promise<string[]>;
  /** `notify`, saying per notification whether it is new, and what was silenced (`detect --notify` reports it). */
  notifyDetailed(transitions: readonly Alert[], atMs?: number, context?: NotifyContext): Promise<NotifyOutcome>;
  /** Waits until each job is delivered or finally failed; rejects after `timeoutMs`. */
  waitDelivered(jobIds: readonly string[], timeoutMs: number): Promise<Record<string, JobOutcome>>;
  /** The receivers in force (names and types only are safe to show). */
  readonly receivers: readonly ResolvedReceiver[];
  close(): Promise<void>;
}

/**
 * Notifications as queue jobs: one job per (receiver, group, state, window) with a deterministic
 * id, so a restart or a second producer cannot send a state change twice, and a failing receiver
 * only retries its own job.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const config = options.config.alerts;
  const receivers = resolveReceivers(config, env);
  const byName = new Map(receivers.map((r) => [r.name, r]));
  const links = alertLinks(options.config);
  const store = options.store;
  const attempts = config.delivery_attempts;

  const record = async (attempt: NotificationAttempt): Promise<void> => {
    if (!store) return;
    // A failed record must not fail a delivered job: that would send it again.
    await recordNotificationAttempts(store, [attempt]).catch((err: unknown) => log.warn({ err: (err as Error).message, jobId: attempt.jobId }, 'could not record a notification attempt'));
  };

  const deliver = async (job: NotificationJob, ctx: JobContext): Promise<void> => {
    const receiver = byName.get(job.receiver);
    const base = {
      jobId: ctx.jobId,
      receiver: job.receiver,
      receiverType: receiver?.type ?? 'unknown',
      groupKey: job.groupKey,
      status: job.status,
      fingerprints: [...job.alerts, ...job.inhibited].map((a) => a.fingerprint),
      attempt: ctx.attempt,
    };
    if (!receiver) {
      await record({ ...base, atMs: now(), outcome: 'failed', httpStatus: 0, error: 'receiver not configured in this process', durationMs: 0 });
      notificationsTotal.inc({ receiver: job.receiver, type: 'unknown', outcome: 'failed' });
      throw new PermanentDeliveryError(`receiver '${job.receiver}' is not configured in this process`);
    }
    // A worker may die after sending but before the queue saw it finish; do not send twice.
    if (store && (await wasDelivered(store, ctx.jobId).catch(() => false))) {
      await record({ ...base, atMs: now(), outcome: 'skipped', httpStatus: 0, error: 'already delivered', durationMs: 0 });
      notificationAttemptsTotal.inc({ receiver: receiver.name, type: receiver.type, result: 'skipped' });
      return;
    }
    const started = performance.now();
    const timer = notificationAttemptSeconds.startTimer({ receiver: receiver.name, type: receiver.type });
    try {
      const httpStatus = await send(receiver, job, links.externalUrl, config.delivery_timeout_ms);
      timer();
      await record({ ...base, atMs: now(), outcome: 'delivered', httpStatus, error: '', durationMs: performance.now() - started });
      notificationAttemptsTotal.inc({ receiver: receiver.name, type: receiver.type, result: 'delivered' });
      notificationsTotal.inc({ receiver: receiver.name, type: receiver.type, outcome: 'delivered' });
      log.info({ receiver: receiver.name, jobId: ctx.jobId, status: job.status, alerts: base.fingerprints.length, attempt: ctx.attempt }, 'notification delivered');
    } catch (err) {
      timer();
      const permanent = err instanceof PermanentDeliveryError;
      const final = permanent || ctx.attempt >= attempts;
      const message = (err as Error).message;
      await record({ ...base, atMs: now(), outcome: final ? 'failed' : 'retrying', httpStatus: statusOf(err), error: message, durationMs: performance.now() - started });
      notificationAttemptsTotal.inc({ receiver: receiver.name, type: receiver.type, result: permanent ? 'permanent_error' : 'retryable_error' });
      if (final) notificationsTotal.inc({ receiver: receiver.name, type: receiver.type, outcome: 'failed' });
      log.warn({ receiver: receiver.name, jobId: ctx.jobId, attempt: ctx.attempt, final, err: message }, 'notification attempt failed');
      throw err;
    }
  };

  const queue = options.backend.queue<NotificationJob>(options.queueName ?? NOTIFICATION_QUEUE, options.work === false ? undefined : deliver, {
    attempts,
    backoffMs: config.delivery_backoff_ms,
    maxBackoffMs: config.delivery_max_backoff_ms,
    concurrency: 4,
  });

  const notifyDetailed = async (transitions: readonly Alert[], atMs = now(), context: NotifyContext = {}): Promise<NotifyOutcome> => {
    if (transitions.length === 0) return { notifications: [], silenced: [] };
    // Silences are judged now, when the message would go out, also for a replayed step.
    const nowMs = now();
    let silences: Silence[] = [];
    if (store) silences = await activeSilences(store, nowMs);
    const plan = planNotifications(transitions, atMs, {
      receivers,
      routes: config.routes,
      silences,
      groupIntervalMs: config.group_interval_seconds * 1000,
      silencedAtMs: nowMs,
      volumeSpikesFiring: context.volumeSpikesFiring,
    });
    if (plan.silenced.length > 0) {
      notificationsSilencedTotal.inc(plan.silenced.length);
      log.info({ silenced: plan.silenced }, 'alert changes silenced');
    }
    const delayMs = Math.max(0, atMs + config.group_wait_seconds * 1000 - now());
    const notifications: EnqueuedNotification[] = [];
    for (const job of plan.jobs) {
      const added = await queue.add(job.jobId, job, { delayMs });
      if (added) notificationsQueuedTotal.inc({ receiver: job.receiver });
      notifications.push({ jobId: job.jobId, receiver: job.receiver, status: job.status, alerts: job.alerts.length + job.inhibited.length, added });
    }
    return { notifications, silenced: plan.silenced };
  };

  return {
    receivers,
    notifyDetailed,
    notify: async (transitions, atMs, context) => (await notifyDetailed(transitions, atMs, context)).notifications.map((n) => n.jobId),
    waitDelivered: (jobIds, timeoutMs) => (jobIds.length === 0 ? Promise.resolve({}) : queue.waitFor(jobIds, timeoutMs)),
    close: () => queue.close(),
  };
}

/** One message to one receiver; returns the HTTP status of success. */
async function send(receiver: ResolvedReceiver, job: NotificationJob, externalUrl: string, timeoutMs: number): Promise<number> {
  switch (receiver.type) {
    case 'slack':
      return sendSlack(receiver.name, receiver.url, slackMessage(job), timeoutMs);
    case 'pagerduty':
      return sendPagerDuty(receiver.name, receiver.url, pagerDutyEvents(job, receiver.routingKey, externalUrl), timeoutMs);
    case 'webhook':
      return sendWebhook(receiver.name, receiver.url, alertmanagerPayload(job, externalUrl), receiver.secret, timeoutMs);
  }
}
