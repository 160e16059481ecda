import { Counter, Histogram } from 'prom-client';

/** Delivery attempts by receiver and result (delivered, retryable_error, permanent_error, skipped). */
export const notificationAttemptsTotal = new Counter({
  name: 'egresswatch_notification_attempts_total',
  help: 'Notification delivery attempts by receiver and result.',
  labelNames: ['receiver', 'type', 'result'] as const,
});

/** Notifications by final outcome (delivered or failed). */
export const notificationsTotal = new Counter({
  name: 'egresswatch_notifications_total',
  help: 'Notifications by final outcome.',
  labelNames: ['receiver', 'type', 'outcome'] as const,
});

/** Alert state changes kept from receivers by a silence. */
export const notificationsSilencedTotal = new Counter({
  name: 'egresswatch_notifications_silenced_total',
  help: 'Alert state changes not notified because a silence matched.',
});

/** Notifications queued (one per receiver, group, state and window). */
export const notificationsQueuedTotal = new Counter({
  name: 'egresswatch_notifications_queued_total',
  help: 'Notification jobs queued (deduplicated ones not counted).',
  labelNames: ['receiver'] as const,
});

/** How long one delivery attempt took. */
export const notificationAttemptSeconds = new Histogram({
  name: 'egresswatch_notification_attempt_seconds',
  help: 'Duration of one notification delivery attempt.',
  labelNames: ['receiver', 'type'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});
