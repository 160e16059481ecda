import { PermanentDeliveryError, RetryableDeliveryError } from '../common/errors.js';

/** What a processor is told about the job it runs. */
export interface JobContext {
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
}

/**
 * Runs one job. Throw a PermanentDeliveryError to fail without retry, a RetryableDeliveryError
 * (with `retryAfterMs` when the other side said when) or any other error to retry with backoff.
 */
export type JobProcessor<T> = (data: T, ctx: JobContext) => Promise<void>;

/** Per-queue settings; every field has a default. */
export interface QueueOptions {
  /** Tries before a job finally fails. Default 6. */
  attempts?: number;
  /** First retry delay; doubles each try, capped at `maxBackoffMs`. Default 1 000. */
  backoffMs?: number;
  /** Longest wait between tries, whatever Retry-After says. Default 300 000. */
  maxBackoffMs?: number;
  /** Jobs run at once in this process. Default 4. */
  concurrency?: number;
}

export type JobOutcome = 'completed' | 'failed';

/** A named queue of jobs, deduplicated by jobId: adding an id that exists (even done) is a no-op. */
export interface JobQueue<T> {
  readonly name: string;
  /** Adds a job unless one with this id exists. Returns whether it was added now. */
  add(jobId: string, data: T, options?: { delayMs?: number }): Promise<boolean>;
  /** Resolves with each job's final outcome once all are final, or rejects after `timeoutMs`. */
  waitFor(jobIds: readonly string[], timeoutMs: number): Promise<Record<string, JobOutcome>>;
  close(): Promise<void>;
}

/** Creates queues on one backend (BullMQ on Redis, or in-process). */
export interface QueueBackend {
  readonly kind: 'bullmq' | 'in-process';
  /** With a processor this process also works the queue; without, it only produces. */
  queue<T>(name: string, processor?: JobProcessor<T>, options?: QueueOptions): JobQueue<T>;
  close(): Promise<void>;
}

/** Resolved queue options. */
export function resolveQueueOptions(options: QueueOptions = {}): Required<QueueOptions> {
  const resolved = {
    attempts: options.attempts ?? 6,
    backoffMs: options.backoffMs ?? 1_000,
    maxBackoffMs: options.maxBackoffMs ?? 300_000,
    concurrency: options.concurrency ?? 4,
  };
  if (resolved.attempts < 1 || resolved.backoffMs < 0 || resolved.concurrency < 1) {
    throw new RangeError(`invalid queue options: ${JSON.stringify(resolved)}`);
  }
  return resolved;
}

/**
 * Delay before the next try: Retry-After when the receiver gave one, else exponential backoff.
 * Returns undefined when the error says not to retry.
 */
export function retryDelayMs(err: unknown, attemptsMade: number, options: Required<QueueOptions>): number | undefined {
  if (err instanceof PermanentDeliveryError) return undefined;
  if (err instanceof RetryableDeliveryError && err.retryAfterMs !== undefined) {
    return Math.min(Math.max(err.retryAfterMs, 0), options.maxBackoffMs);
  }
  return Math.min(options.backoffMs * 2 ** Math.max(attemptsMade - 1, 0), options.maxBackoffMs);
}
