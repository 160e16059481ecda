import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyBuffers } from '../../../collector/body-buffers.js';
import { PayloadTooLargeError } from '../../../common/errors.js';

function send(chunks: Buffer[]): PassThrough {
  const stream = new PassThrough();
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return stream;
}

describe('BodyBuffers', () => {
  it('reads a body sent in chunks, larger than one buffer too', async () => {
    const bodies = new BodyBuffers(1024, 4);
    const parts = Array.from({ length: 10 }, (_, i) => Buffer.alloc(300, i));
    const body = await bodies.read(send(parts), 1 << 20);
    expect(body.equals(Buffer.concat(parts))).toBe(true);
  });

  it('reads the next body into the memory of a released one, and never into a live one', async () => {
    const bodies = new BodyBuffers(1024, 4);
    const first = await bodies.read(send([Buffer.from('first')]), 1 << 20);
    const second = await bodies.read(send([Buffer.from('second')]), 1 << 20);
    expect(second.buffer).not.toBe(first.buffer);
    bodies.release(first);
    bodies.release(first);
    const third = await bodies.read(send([Buffer.from('third')]), 1 << 20);
    const fourth = await bodies.read(send([Buffer.from('fourth')]), 1 << 20);
    expect(third.buffer).toBe(first.buffer);
    expect(fourth.buffer).not.toBe(first.buffer);
    expect([second.toString(), third.toString(), fourth.toString()]).toEqual(['second', 'third', 'fourth']);
  });

  it('refuses a body over the limit once it has been read', async () => {
    const bodies = new BodyBuffers(1024, 4);
    const stream = send([Buffer.alloc(600), Buffer.alloc(600)]);
    await expect(bodies.read(stream, 1000)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(stream.readableEnded).toBe(true);
  });

  it('fails when the sender goes away before the body ends', async () => {
    const bodies = new BodyBuffers(1024, 4);
    const stream = new PassThrough();
    const read = bodies.read(stream, 1 << 20);
    stream.write(Buffer.from('half'));
    stream.destroy();
    await expect(read).rejects.toThrow(/closed the connection/);
  });
});
