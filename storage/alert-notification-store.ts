import { wrapStoreError, type Store } from './store.js';

/** One delivery attempt of one notification. */
export interface NotificationAttempt {
  atMs: number;
  jobId: string;
  receiver: string;
  receiverType: string;
  groupKey: string;
  status: 'firing' | 'resolved';
  fingerprints: string[];
  /** 1 on the first try. */
  attempt: number;
  /** delivered; retrying (another try follows); failed (for good); skipped (already delivered). */
  outcome: 'delivered' | 'retrying' | 'failed' | 'skipped';
  /** 0 when no HTTP answer. */
  httpStatus: number;
  /** Error message without secrets; '' when delivered. */
  error: string;
  durationMs: number;
}

/** Appends attempts to `notification_attempts`. */
export async function recordNotificationAttempts(store: Store, attempts: readonly NotificationAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  try {
    await store.client.insert({
      table: 'notification_attempts',
      format: 'JSONEachRow',
      values: attempts.map((a) => ({
        at: new Date(a.atMs).toISOString(),
        job_id: a.jobId,
        receiver: a.receiver,
        receiver_type: a.receiverType,
        group_key: a.groupKey,
        status: a.status,
        fingerprints: a.fingerprints,
        attempt: a.attempt,
        outcome: a.outcome,
        http_status: a.httpStatus,
        error: a.error.slice(0, 1000),
        duration_ms: Math.max(0, Math.round(a.durationMs)),
      })),
    });
  } catch (err) {
    throw wrapStoreError(err, 'cannot record the notification attempt');
  }
}

/** Whether a notification was already delivered (a retry after a crash must not send it twice). */
export async function wasDelivered(store: Store, jobId: string): Promise<boolean> {
  try {
    const rs = await store.client.query({
      query: "SELECT count() AS n FROM notification_attempts WHERE job_id = {jobId:String} AND outcome = 'delivered'",
      query_params: { jobId },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: number }>();
    return Number(row?.n ?? 0) > 0;
  } catch (err) {
    throw wrapStoreError(err, 'cannot read notification attempts');
  }
}

/** Attempts, oldest first, optionally of one notification. */
export async function listNotificationAttempts(store: Store, options: { jobId?: string; limit?: number } = {}): Promise<NotificationAttempt[]> {
  try {
    const rs = await store.client.query({
      query: `SELECT toUnixTimestamp64Milli(at) AS at_ms, job_id, receiver, receiver_type, group_key, status, fingerprints, attempt, outcome, http_status, error, duration_ms
              FROM notification_attempts ${options.jobId ? 'WHERE job_id = {jobId:String}' : ''}
              ORDER BY at, attempt LIMIT {limit:UInt32}`,
      query_params: { jobId: options.jobId ?? '', limit: options.limit ?? 10_000 },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ at_ms: number; job_id: string; receiver: string; receiver_type: string; group_key: string; status: string; fingerprints: string[]; attempt: number; outcome: string; http_status: number; error: string; duration_ms: number }>();
    return rows.map((r) => ({
      atMs: Number(r.at_ms),
      jobId: r.job_id,
      receiver: r.receiver,
      receiverType: r.receiver_type,
      groupKey: r.group_key,
      status: r.status as NotificationAttempt['status'],
      fingerprints: r.fingerprints,
      attempt: Number(r.attempt),
      outcome: r.outcome as NotificationAttempt['outcome'],
      httpStatus: Number(r.http_status),
      error: r.error,
      durationMs: Number(r.duration_ms),
    }));
  } catch (err) {
    throw wrapStoreError(err, 'cannot read notification attempts');
  }
}
