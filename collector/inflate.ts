import { createGunzip } from 'node:zlib';
import { DecodeError, PayloadTooLargeError } from '../common/errors.js';

/** Inflated bytes handed over per callback: few callbacks, each copy well under a millisecond. */
const CHUNK_BYTES = 256 * 1024;
/** deflate's best ratio is ~1032:1, so a trailer claiming more than this is not believed. */
const MAX_RATIO = 1032;

/**
 * Inflates a gzip body into one buffer, refusing (413) output past `maxBytes`.
 *
 * `zlib.gunzip` does the same work on the thread pool but then joins its chunks with one
 * `Buffer.concat` on the event loop: for a 64 MiB body a single 40-180 ms copy (measured, with
 * the page faults of the fresh buffer). Here each chunk is copied as it arrives into a buffer
 * sized from the gzip trailer's ISIZE (the inflated length mod 2^32; only a hint, since the
 * sender writes it: capped at `maxBytes` and at deflate's best ratio, grown if it was too small,
 * trimmed if it was far too large). Same stream and errors as `zlib.gunzip`.
 */
export function inflateGzip(body: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const hint = body.length >= 18 ? body.readUInt32LE(body.length - 4) : 0;
    let out = Buffer.allocUnsafeSlow(Math.max(1024, Math.min(hint, maxBytes, body.length * MAX_RATIO)));
    let length = 0;
    let settled = false;
    const stream = createGunzip({ chunkSize: CHUNK_BYTES });
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      stream.destroy();
      reject(err);
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (length + chunk.length > maxBytes) return fail(new PayloadTooLargeError(`body inflates past ${maxBytes} bytes; send smaller batches`));
      if (length + chunk.length > out.length) {
        const bigger = Buffer.allocUnsafeSlow(Math.min(maxBytes, Math.max(2 * out.length, length + chunk.length)));
        out.copy(bigger, 0, 0, length);
        out = bigger;
      }
      chunk.copy(out, length);
      length += chunk.length;
    });
    stream.on('error', (err) => fail(new DecodeError(`body is not valid gzip: ${err.message}`)));
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      // A trailer that overstated the size would keep a mostly empty buffer alive with the body.
      if (length >= out.length / 2) return resolve(out.subarray(0, length));
      const exact = Buffer.allocUnsafeSlow(length);
      out.copy(exact, 0, 0, length);
      resolve(exact);
    });
    stream.end(body);
  });
}
