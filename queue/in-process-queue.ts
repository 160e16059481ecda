import { logger } from '../common/logger.js';
import { PermanentDeliveryError } from '../common/errors.js';
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

interface Entry<T> {
  data: T;
  attemptsMade: number;
  outcome?: JobOutcome;
  finishedAt?: number;
}

/** Finished jobs are remembered this long (dedup of re-adds), then forgotten to bound memory. */
const KEEP_FINISHED_MS = 3_600_000;

/**
 * The fallback when there is no Redis: the same queue semantics (dedup by jobId, retries with
 * backoff and Retry-After) inside this process. Jobs do not survive a restart.
 */
export class InProcessBackend implements QueueBackend {
  readonly kind = 'in-process' as const;
  private readonly queues: InProcessQueue<never>[] = [];

  queue<T>(name: string, processor?: JobProcessor<T>, options?: QueueOptions): JobQueue<T> {
    const q = new InProcessQueue<T>(name, processor, options);
    this.queues.push(q as unknown as InProcessQueue<never>);
    return q;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}

class InProcessQueue<T> implements JobQueue<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly pending: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<() => void>();
  private readonly opts: Required<QueueOptions>;
  private running = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    readonly name: string,
    private readonly processor: JobProcessor<T> | undefined,
    options?: QueueOptions,
  ) {
    this.opts = resolveQueueOptions(options);
  }

  async add(jobId: string, data: T, options?: { delayMs?: number }): Promise<boolean> {
    if (this.closed || this.entries.has(jobId)) return false;
    this.prune();
    this.entries.set(jobId, { data, attemptsMade: 0 });
    this.schedule(jobId, options?.delayMs ?? 0);
    return true;
  }

  waitFor(jobIds: readonly string[], timeoutMs: number): Promise<Record<string, JobOutcome>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const out: Record<string, JobOutcome> = {};
        for (const id of jobIds) {
          const outcome = this.entries.get(id)?.outcome;
          if (!outcome) return false;
          out[id] = outcome;
        }
        cleanup();
        resolve(out);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`queue ${this.name}: jobs not final after ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => void check();
      this.waiters.add(waiter);
      check();
    });
  }

  /** Stops taking and starting jobs and waits for the running ones (they may use the store). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
  }

  private prune(): void {
    const before = Date.now() - KEEP_FINISHED_MS;
    for (const [id, e] of this.entries) if (e.finishedAt !== undefined && e.finishedAt < before) this.entries.delete(id);
  }

  private schedule(jobId: string, delayMs: number): void {
    if (delayMs <= 0) {
      this.pending.push(jobId);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pending.push(jobId);
      this.pump();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private pump(): void {
    if (!this.processor) return;
    while (!this.closed && this.running < this.opts.concurrency && this.pending.length > 0) {
      const jobId = this.pending.shift()!;
      this.running++;
      const run: Promise<void> = this.runOne(jobId, this.processor).finally(() => {
        this.running--;
        this.inFlight.delete(run);
        this.pump();
      });
      this.inFlight.add(run);
    }
  }

  private async runOne(jobId: string, processor: JobProcessor<T>): Promise<void> {
    const entry = this.entries.get(jobId);
    if (!entry) return;
    entry.attemptsMade++;
    try {
      await processor(entry.data, { jobId, attempt: entry.attemptsMade });
      this.finish(entry, 'completed');
    } catch (err) {
      const delay = entry.attemptsMade < this.opts.attempts ? retryDelayMs(err, entry.attemptsMade, this.opts) : undefined;
      if (delay === undefined || err instanceof PermanentDeliveryError) {
        log.warn({ queue: this.name, jobId, attempts: entry.attemptsMade, err: (err as Error).message }, 'job failed for good');
        this.finish(entry, 'failed');
      } else {
        log.info({ queue: this.name, jobId, attempt: entry.attemptsMade, retryInMs: delay }, 'job will be retried');
        this.schedule(jobId, delay);
      }
    }
  }

  private finish(entry: Entry<T>, outcome: JobOutcome): void {
    entry.outcome = outcome;
    entry.finishedAt = Date.now();
    for (const w of [...this.waiters]) w();
  }
}
