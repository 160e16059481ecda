import type { Readable } from 'node:stream';
import { PayloadTooLargeError, SaturatedError } from '../common/errors.js';

/**
 * Bytes of request bodies held in memory at once, across all requests (`max_inflight_bytes`).
 * Without it, thirty senders trickling 6 MB bodies each took the collector from 340 to 528 MB
 * of RSS. A request takes its announced Content-Length before its first byte is read, so a
 * request that does not fit is answered 429 at once; a body without a length (chunked) takes
 * its bytes as they arrive.
 */
export class InflightBytes {
  private used = 0;
  constructor(readonly limitBytes: number) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.used;
  }

  /** A hold on `bytes` for one request, or undefined when they do not fit. */
  hold(bytes: number): BodyHold | undefined {
    let held = 0;
    let released = false;
    const hold: BodyHold = {
      growTo: (total) => {
        if (released) return false;
        if (total <= held) return true;
        if (this.used + total - held > this.limitBytes) return false;
        this.used += total - held;
        held = total;
        return true;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= held;
        held = 0;
      },
    };
    return hold.growTo(bytes) ? hold : undefined;
  }
}

/** One request's share of an InflightBytes budget. */
export interface BodyHold {
  /** Grows the hold to `total` bytes; false (and nothing taken) when the budget has no room. */
  growTo(total: number): boolean;
  /** Gives the bytes back; once, however often it is called. */
  release(): void;
}

/** The answer to a request that would take the in-flight budget past its limit. */
export function inflightFullError(): SaturatedError {
  return new SaturatedError('the collector is holding as many request bodies as max_inflight_bytes allows; retry shortly', 1);
}

/**
 * Request bodies read into buffers that are reused once a body has been decoded.
 *
 * A body read the usual way is a fresh Buffer per request (the socket's chunks concatenated),
 * which only a garbage collection gives back: at 40k spans/s that is ~30 MB/s of external
 * memory, and it was a fifth of the collector's peak RSS. A body is decoded synchronously right
 * after it is read (every string and id is copied out of it), so its buffer can go back at once
 * and the next request reads into the same memory.
 *
 * A body larger than one buffer gets a buffer of its own, which is not kept. A body that is never
 * released is simply collected: nothing here keeps track of buffers handed out.
 */
export class BodyBuffers {
  private readonly free: ArrayBuffer[] = [];
  /** Reusable memory currently holding a body: only these go back on release. */
  private readonly lent = new WeakSet<ArrayBuffer>();

  /**
   * @param bufferBytes size of a reusable buffer; a typical OTLP request (512 spans) is ~400 KB
   * @param keep reusable buffers kept while idle (about the number of concurrent senders)
   */
  constructor(
    private readonly bufferBytes = 1024 * 1024,
    private readonly keep = 32,
  ) {}

  /**
   * Reads `stream` to its end. Rejects with a PayloadTooLargeError once more than `maxBytes`
   * arrived (the rest is read and dropped, so the sender sees an answer rather than a reset),
   * and with a SaturatedError when `hold` cannot grow to the bytes read (likewise).
   */
  read(stream: Readable, maxBytes: number, hold?: BodyHold): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      // Taken with the first bytes: a sender that is slow to start holds no memory here.
      let target: Buffer | undefined;
      let length = 0;
      let seen = 0;
      let tooLarge = false;
      let saturated = false;
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        if (target) this.release(target);
        reject(err);
      };
      stream.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > maxBytes) {
          tooLarge = true;
          // Reading on lets the sender finish and read the answer; past 8× the limit it is not worth it.
          if (seen > 8 * maxBytes) fail(tooLargeError(maxBytes));
          return;
        }
        if (settled || saturated) return;
        if (hold && !hold.growTo(length + chunk.length)) {
          saturated = true;
          if (target) this.release(target);
          target = undefined;
          hold.release();
          return;
        }
        target ??= this.take();
        if (length + chunk.length > target.length) {
          const bigger = Buffer.allocUnsafeSlow(Math.min(maxBytes, Math.max(2 * target.length, length + chunk.length)));
          target.copy(bigger, 0, 0, length);
          this.release(target);
          target = bigger;
        }
        chunk.copy(target, length);
        length += chunk.length;
      });
      stream.once('end', () => {
        if (tooLarge) return fail(tooLargeError(maxBytes));
        if (saturated) return fail(inflightFullError());
        if (settled) return;
        settled = true;
        resolve(target ? target.subarray(0, length) : Buffer.alloc(0));
      });
      // A body that breaks off is the sender's doing, not the collector's: 400, as fastify does.
      stream.once('error', (err: Error) => fail(Object.assign(err, { statusCode: 400 })));
      stream.once('close', () => fail(Object.assign(new Error('the client closed the connection before the body ended'), { statusCode: 400 })));
    });
  }

  private take(): Buffer {
    const memory = this.free.pop() ?? new ArrayBuffer(this.bufferBytes);
    this.lent.add(memory);
    return Buffer.from(memory);
  }

  /** Hands a body's memory back for the next request. `body` must not be read afterwards. */
  release(body: Buffer): void {
    const memory = body.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.lent.delete(memory)) return;
    if (this.free.length < this.keep) this.free.push(memory);
  }
}

function tooLargeError(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`body is larger than ${maxBytes} bytes; send smaller batches`);
}
