import { PayloadTooLargeError, SaturatedError, UnavailableError } from '../common/errors.js';
import { logger } from '../common/logger.js';

const log = logger('batch-writer');

/** Options of the batch writer; defaults resolved in the constructor. */
export interface BatchWriterOptions<T> {
  /** Writes one batch; resolves once it is durable. */
  write: (items: T[]) => Promise<void>;
  /** Rows one item stands for (an item may be an encoded chunk of many rows). Default 1. */
  sizeOf?: (item: T) => number;
  /** Rows per write, at most (a single larger request is written alone). Default 4 096. */
  maxBatchRows?: number;
  /** A partial batch is written after this long. Default 100. */
  flushIntervalMs?: number;
  /** Rows waiting, at most; beyond it `enqueue` throws SaturatedError. Default 200 000. */
  maxQueueRows?: number;
  /** Called after every write with its duration, size and outcome (metrics). */
  onWrite?: (info: { rows: number; durationMs: number; ok: boolean }) => void;
}

interface Pending<T> {
  items: T[];
  rows: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * OpenTelemetry's BatchSpanProcessor shape with one difference that matters: each caller's
 * promise resolves only after the batch holding its rows is written, so a request is
 * acknowledged only when its spans are durable. Requests are never split across batches, so a
 * request is written whole or not at all. One write is in flight at a time; rows that arrive
 * meanwhile form the next batch, which is how batches grow under load.
 */
export class BatchWriter<T> {
  private readonly write: (items: T[]) => Promise<void>;
  private readonly sizeOf: (item: T) => number;
  private readonly maxBatchRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueueRows: number;
  private readonly onWrite: BatchWriterOptions<T>['onWrite'];
  private queue: Pending<T>[] = [];
  private queuedRows = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private shuttingDown: Promise<void> | undefined;
  private lastWriteMs = 0;

  constructor(options: BatchWriterOptions<T>) {
    this.write = options.write;
    this.sizeOf = options.sizeOf ?? (() => 1);
    this.maxBatchRows = options.maxBatchRows ?? 4_096;
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.maxQueueRows = options.maxQueueRows ?? 200_000;
    this.onWrite = options.onWrite;
    if (this.maxBatchRows < 1 || this.flushIntervalMs < 0 || this.maxQueueRows < this.maxBatchRows) {
      throw new RangeError('BatchWriter: need maxBatchRows >= 1, flushIntervalMs >= 0, maxQueueRows >= maxBatchRows');
    }
  }

  /** Rows waiting to be written (not counting the batch in flight). */
  get queueDepth(): number {
    return this.queuedRows;
  }

  /** Resolves when `items` are written; rejects if their batch fails or the queue is full. */
  enqueue(items: T[]): Promise<void> {
    if (this.shuttingDown) return Promise.reject(new UnavailableError('the collector is shutting down; retry against another instance'));
    let rows = 0;
    for (const item of items) rows += this.sizeOf(item);
    if (rows === 0) return Promise.resolve();
    if (rows > this.maxQueueRows) {
      // It would never fit, so a 429 would only be retried forever.
      return Promise.reject(new PayloadTooLargeError(`one request holds ${rows} spans, more than the write queue takes (${this.maxQueueRows}); send smaller batches`));
    }
    if (this.queuedRows + rows > this.maxQueueRows) {
      // Retry after about the time the backlog takes to drain, at least a second.
      const retryAfter = Math.max(1, Math.ceil(((this.queuedRows / this.maxBatchRows) * Math.max(this.lastWriteMs, 50)) / 1000));
      return Promise.reject(new SaturatedError(`write queue is full (${this.queuedRows} spans waiting)`, retryAfter));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, rows, resolve, reject });
      this.queuedRows += rows;
      if (this.queuedRows >= this.maxBatchRows) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.flushIntervalMs).unref();
    });
  }

  /** Writes everything queued, then refuses new rows. Idempotent. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      while (this.inFlight || this.queue.length > 0) {
        if (!this.inFlight) this.kick();
        await this.inFlight;
      }
      if (this.timer) clearTimeout(this.timer);
    })();
    return this.shuttingDown;
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = this.flushOnce().finally(() => {
      this.inFlight = undefined;
      // Whatever arrived during the write has waited long enough: write it now.
      if (this.queue.length > 0) this.kick();
    });
  }

  private async flushOnce(): Promise<void> {
    const batch: Pending<T>[] = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && size + next.rows > this.maxBatchRows) break;
      batch.push(this.queue.shift()!);
      size += next.rows;
    }
    this.queuedRows -= size;
    const items = batch.length === 1 ? batch[0]!.items : batch.flatMap((p) => p.items);
    const started = performance.now();
    try {
      await this.write(items);
      this.lastWriteMs = performance.now() - started;
      this.onWrite?.({ rows: size, durationMs: this.lastWriteMs, ok: true });
      for (const p of batch) p.resolve();
    } catch (err) {
      this.lastWriteMs = performance.now() - started;
      this.onWrite?.({ rows: size, durationMs: this.lastWriteMs, ok: false });
      log.error({ rows: size, err: (err as Error).message }, 'batch write failed; its requests are answered with a retryable error');
      for (const p of batch) p.reject(err);
    }
  }
}
