import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecodeError, PayloadTooLargeError } from '../../../common/errors.js';
import { inflateGzip } from '../../../collector/inflate.js';

/** A gzip member whose trailer claims `isize` bytes (senders write it; it can be wrong). */
function withClaimedSize(gzip: Buffer, isize: number): Buffer {
  const copy = Buffer.from(gzip);
  copy.writeUInt32LE(isize >>> 0, copy.length - 4);
  return copy;
}

describe('inflateGzip', () => {
  const text = Buffer.from(randomBytes(300_000).toString('hex'));
  const gzip = gzipSync(text);

  it('inflates a body as zlib.gunzip does, into a buffer of its own', async () => {
    const out = await inflateGzip(gzip, 64 * 1024 * 1024);
    expect(out.equals(text)).toBe(true);
    expect(out.buffer.byteLength).toBe(text.length);
  });

  it('sizes its buffer from the trailer without trusting it', async () => {
    // Several members: the trailer read is the last one's, far too small; the buffer grows.
    const members = Buffer.concat([gzip, gzip, gzipSync('tail')]);
    const out = await inflateGzip(members, 64 * 1024 * 1024);
    expect(out.length).toBe(2 * text.length + 4);
    expect(out.subarray(text.length, 2 * text.length).equals(text)).toBe(true);
    // A trailer that lies is caught by zlib's own length check, as with zlib.gunzip.
    await expect(inflateGzip(withClaimedSize(gzipSync('small'), 60 * 1024 * 1024), 64 * 1024 * 1024)).rejects.toThrow(/not valid gzip: incorrect length check/);
  });

  it('refuses output past the limit with a 413 and garbage with a 400', async () => {
    await expect(inflateGzip(gzipSync(Buffer.alloc(2 * 1024 * 1024)), 1024 * 1024)).rejects.toThrow(PayloadTooLargeError);
    await expect(inflateGzip(gzip, 100_000)).rejects.toThrow(/inflates past 100000 bytes; send smaller batches/);
    await expect(inflateGzip(Buffer.from('not gzip at all'), 1024 * 1024)).rejects.toThrow(DecodeError);
    await expect(inflateGzip(gzip.subarray(0, gzip.length - 100), 1024 * 1024)).rejects.toThrow(/not valid gzip/);
  });
});
