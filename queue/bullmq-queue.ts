import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { PermanentDeliveryError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import {
  resolveQueueOptions,
  retryDelayMs,
  type JobOutcome,
  type JobProcessor,
  type JobQueue,
  type QueueBackend,
  type QueueOptions,
} from './job-queue.js';

const log = logger('queue');

/** Finished jobs are kept this long so that re-adding the same jobId stays a no-op. */
const KEEP_FINISHED_SECONDS = 7 * 24 * 3600;

/**
 * A job whose worker stops renewing its lock (killed, frozen) goes back to the queue after at
 * most this lock time plus one stalled-jobs check, ~30 s here instead of BullMQ's 30 s + 30 s:
 * that is how long a dead worker delays its vendors' detection and its notifications. The lock
 * is renewed every half of it from the event loop, which no job here blocks for seconds.
 */
const JOB_LOCK_MS = 15_000;

/** BullMQ refuses ':' in custom ids (it separates its keys); escape it reversibly. */
function bullJobId(jobId: string): string {
  return jobId.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** BullMQ on Redis: jobs survive restarts and spread over every worker process. */
export class BullMqBackend implements QueueBackend {
  readonly kind = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(
    redisUrl: string,
    private readonly prefix = 'egresswatch',
  ) {
    // BullMQ needs maxRetriesPerRequest null: its blocking commands must not time out.
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
    this.connection.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  }

  queue<T>(name: string, processor?: JobProcessor<T>, options?: QueueOptions): JobQueue<T> {
    const opts = resolveQueueOptions(options);
    const queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
    let worker: Worker | undefined;
    let workerConnection: Redis | undefined;
    if (processor) {
      // Workers block on Redis, so each gets its own connection; it is closed with the worker.
      workerConnection = this.connection.duplicate();
      workerConnection.on('error', (err: Error) => log.warn({ queue: name, err: err.message }, 'redis connection error'));
      worker = new Worker(
        name,
        async (job: Job) => {
          try {
            await processor(job.data as T, { jobId: decodeURIComponent(job.id ?? ''), attempt: job.attemptsMade + 1 });
          } catch (err) {
            if (err instanceof PermanentDeliveryError) throw new UnrecoverableError(err.message);
            (job as Job & { lastError?: unknown }).lastError = err;
            throw err;
          }
        },
        {
          connection: workerConnection,
          prefix: this.prefix,
          concurrency: opts.concurrency,
          lockDuration: JOB_LOCK_MS,
          stalledInterval: JOB_LOCK_MS,
          settings: {
            backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => retryDelayMs(err, attemptsMade, opts) ?? -1,
          },
        },
      );
      worker.on('failed', (job, err) => {
        if (job && job.attemptsMade >= opts.attempts) log.warn({ queue: name, jobId: job.id, err: err.message }, 'job failed for good');
      });
      worker.on('error', (err) => log.warn({ queue: name, err: err.message }, 'worker error'));
    }
    const w = worker;
    const wc = workerConnection;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        // A BullMQ connection closed while it still initialises (a stop right after a start)
        // drops its listeners, and the initialisation's failure is then an unhandled 'error'
        // that ends the process (seen: SIGTERM 30 ms after `start` came up). Let it finish first.
        await Promise.all([queue.waitUntilReady(), w?.waitUntilReady()]).catch(() => undefined);
        await w?.close();
        await queue.close();
        await wc?.quit().catch(() => undefined);
      })());
    this.closers.push(close);
    return {
      name,
      add: async (jobId, data, addOptions) => {
        const id = bullJobId(jobId);
        const existing = await queue.getJob(id);
        if (existing) return false;
        await queue.add(name, data, {
          jobId: id,
          attempts: opts.attempts,
          backoff: { type: 'custom' },
          delay: addOptions?.delayMs ?? 0,
          removeOnComplete: { age: KEEP_FINISHED_SECONDS },
          removeOnFail: { age: KEEP_FINISHED_SECONDS },
        });
        return true;
      },
      waitFor: async (jobIds, timeoutMs) => {
        const outcomes = await waitForJobs(queue, jobIds.map(bullJobId), timeoutMs);
        return Object.fromEntries(jobIds.map((id) => [id, outcomes[bullJobId(id)]!]));
      },
      close,
    };
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0)) await close();
    await this.connection.quit().catch(() => undefined);
  }
}

async function waitForJobs(queue: Queue, jobIds: readonly string[], timeoutMs: number): Promise<Record<string, JobOutcome>> {
  const deadline = Date.now() + timeoutMs;
  const out: Record<string, JobOutcome> = {};
  for (;;) {
    for (const id of jobIds) {
      if (out[id]) continue;
      const job = await queue.getJob(id);
      const state = job ? await job.getState() : 'unknown';
      if (state === 'completed' || state === 'failed') out[id] = state;
    }
    if (Object.keys(out).length === jobIds.length) return out;
    if (Date.now() > deadline) throw new Error(`queue ${queue.name}: jobs not final after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
