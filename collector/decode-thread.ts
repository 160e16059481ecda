import { setImmediate as nextTurn } from 'node:timers/promises';
import { deserialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { Gauge } from 'prom-client';
import { DecodeError, PayloadTooLargeError, UnavailableError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import type { EgressSpanRow } from '../storage/span-writer.js';
import type { DecodedRows, OtlpEncoding } from './decode-rows.js';
import type { DecodeDone, DecodeFailed, DecodeJob } from './decode-worker.js';
import type { NormalizeOptions } from './normalize.js';

const log = logger('decode-thread');

/** On /metrics (prom-client's default registry, as metrics.ts): large bodies being decoded right now. */
const decoding = new Gauge({ name: 'egresswatch_decode_worker_requests', help: 'Requests whose bodies (over 1 MiB) are being decoded on the decode worker.' });

/**
 * A worker's old generation, at most. A maximal request (64 MiB of OTLP/JSON, ~42k spans) peaks
 * at ~280 MB while decoding, the same spans as protobuf at ~75 MB (measured); a body that needs
 * more (millions of tiny spans) stops the worker and gets a 413, instead of growing the heap
 * until the process dies.
 */
const MAX_OLD_GENERATION_MB = 512;
/**
 * The worker's young generation (V8 gives a third of it to each semi-space). With V8's default
 * (48 MB here) `start` held 510-535 MB of RSS under bench:soak's 5k spans/s of 2,000-span
 * requests, with 12 MB 487-514 MB; decoding and normalising such requests cost the same CPU
 * either way (18.8 vs 19.0 µs/span JSON, 15.4 vs 14.9 protobuf, same run).
 */
const MAX_YOUNG_GENERATION_MB = 12;
/** An idle worker is stopped after this long: its heap (hundreds of MB after a large body) goes with it. */
const IDLE_MS = 30_000;

interface Pending {
  resolve: (done: DecodeDone) => void;
  reject: (err: Error) => void;
}

/** A started worker and the jobs sent to it, in the order sent (the order it answers in). */
interface Running {
  worker: Worker;
  pending: Map<number, Pending>;
  idleTimer?: NodeJS.Timeout | undefined;
}

/**
 * Decodes bodies on one worker thread (decode-worker.ts), started on first use. Jobs run one at a
 * time in the order sent, which also bounds the memory large bodies take while decoding.
 */
class DecodeThread {
  private running: Running | undefined;
  private nextId = 1;

  /**
   * Sends `body` to the worker and resolves with its rows. The bytes are taken before this
   * returns, so the caller may reuse `body` at once: transferred when `owned` (nothing else uses
   * any of its ArrayBuffer, which is then detached), copied otherwise.
   */
  decode(body: Buffer, owned: boolean, encoding: OtlpEncoding, options: NormalizeOptions, nowMs: number): Promise<DecodedRows> {
    const bytes = owned && body.buffer instanceof ArrayBuffer ? body : new Uint8Array(body);
    const job: DecodeJob = { id: this.nextId++, body: bytes, encoding, options, nowMs };
    const running = this.start();
    try {
      running.worker.postMessage(job, [bytes.buffer as ArrayBuffer]);
    } catch (err) {
      // Options that cannot be cloned: nothing was sent, and nothing is left pending.
      this.idleLater(running);
      throw err;
    }
    const done = new Promise<DecodeDone>((resolve, reject) => running.pending.set(job.id, { resolve, reject }));
    decoding.inc();
    return done.then(assemble).finally(() => decoding.dec());
  }

  private start(): Running {
    if (this.running) {
      clearTimeout(this.running.idleTimer);
      return this.running;
    }
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: MAX_OLD_GENERATION_MB, maxYoungGenerationSizeMb: MAX_YOUNG_GENERATION_MB } });
    const running: Running = { worker, pending: new Map() };
    worker.on('message', (answer: DecodeDone | DecodeFailed) => {
      const job = running.pending.get(answer.id);
      if (!job) return;
      running.pending.delete(answer.id);
      if ('slices' in answer) job.resolve(answer);
      else job.reject(answer.decode ? new DecodeError(answer.error) : new Error(`decode worker: ${answer.error}`));
      this.idleLater(running);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      log.error({ err: err.message, code: err.code, pending: running.pending.size }, 'decode worker failed');
      this.fail(running, err.code === 'ERR_WORKER_OUT_OF_MEMORY');
    });
    worker.on('exit', (code) => {
      if (running.pending.size > 0) log.error({ code, pending: running.pending.size }, 'decode worker exited with requests pending');
      this.fail(running, false);
    });
    // Never what keeps the process alive (a request waiting for it holds its socket open anyway).
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.running = running;
    return running;
  }

  private idleLater(running: Running): void {
    if (running.pending.size === 0) running.idleTimer = setTimeout(() => this.stop(running), IDLE_MS).unref();
  }

  private stop(running: Running): void {
    if (running.pending.size > 0) return;
    if (this.running === running) this.running = undefined;
    void running.worker.terminate();
  }

  /**
   * A worker is gone: the job it was on (its oldest) is answered 413 if it ran out of memory;
   * the others did nothing wrong and are told to retry.
   */
  private fail(running: Running, outOfMemory: boolean): void {
    if (this.running === running) this.running = undefined;
    clearTimeout(running.idleTimer);
    let first = true;
    for (const [id, job] of running.pending) {
      running.pending.delete(id);
      job.reject(
        first && outOfMemory
          ? new PayloadTooLargeError(`decoding this request took more than ${MAX_OLD_GENERATION_MB} MB of memory; send smaller batches`)
          : new UnavailableError('the collector could not decode this request right now; retry', 1),
      );
      first = false;
    }
  }
}

/**
 * The worker's rows as slices deserialized one per turn of the event loop, so that other requests
 * (and /healthz) are answered in between, and only when the sink asks for them.
 */
function assemble(done: DecodeDone): DecodedRows {
  const slices = async function* (): AsyncGenerator<EgressSpanRow[]> {
    for (let i = 0; i < done.slices.length; i++) {
      await nextTurn();
      const slice = deserialize(new Uint8Array(done.slices[i]!)) as EgressSpanRow[];
      done.slices[i] = new ArrayBuffer(0);
      // The normaliser builds attributes without a prototype; a copy made by the serializer has one.
      for (const row of slice) Object.setPrototypeOf(row.attributes, null);
      yield slice;
    }
  };
  return { rows: { length: done.rows, slices }, rejected: new Map(done.rejected), skipped: new Map(done.skipped), received: done.received, piiDropped: new Map(done.piiDropped) };
}

const thread = new DecodeThread();

/** Decodes and normalises `body` on the decode worker; see DecodeThread.decode. */
export function decodeRowsOffThread(body: Buffer, owned: boolean, encoding: OtlpEncoding, options: NormalizeOptions, nowMs: number): Promise<DecodedRows> {
  return thread.decode(body, owned, encoding, options, nowMs);
}
