import { describe, expect, it } from 'vitest';
import { ChunkSlabs } from '../../../storage/chunk-slabs.js';

const bytes = (fill: number, length = 1000): Uint8Array => new Uint8Array(length).fill(fill);

describe('ChunkSlabs', () => {
  it('keeps every live piece intact while more pieces are copied in', () => {
    const slabs = new ChunkSlabs();
    // 3,000 pieces of 1,000 bytes span several 1 MiB slabs.
    const pieces = Array.from({ length: 3000 }, (_, i) => slabs.copy(bytes(i % 251)));
    pieces.forEach((piece, i) => expect(piece.every((b) => b === i % 251)).toBe(true));
  });

  it('reuses a slab only after every piece in it was released', () => {
    const slabs = new ChunkSlabs();
    const first = slabs.copy(bytes(1));
    const second = slabs.copy(bytes(2));
    slabs.release(first);
    const third = slabs.copy(bytes(3));
    // `second` is still live, so `third` must not land on `first`'s bytes... nor on its own.
    expect(second.every((b) => b === 2)).toBe(true);
    expect(third.buffer).toBe(first.buffer);
    expect(third.byteOffset).toBeGreaterThanOrEqual(second.byteOffset + second.length);
    slabs.release(second);
    slabs.release(third);
    const fourth = slabs.copy(bytes(4));
    expect(fourth.buffer).toBe(first.buffer);
    expect(fourth.byteOffset).toBe(0);
  });

  it('ignores pieces it did not hand out, and a second release of an emptied slab', () => {
    const slabs = new ChunkSlabs();
    const live = slabs.copy(bytes(7));
    slabs.release(Buffer.from(bytes(9)));
    const other = slabs.copy(bytes(8));
    slabs.release(other);
    slabs.release(other);
    expect(live.every((b) => b === 7)).toBe(true);
    expect(slabs.copy(bytes(5)).byteOffset).toBeGreaterThanOrEqual(live.length);
  });

  it('gives large pieces memory of their own', () => {
    const slabs = new ChunkSlabs();
    const big = slabs.copy(bytes(6, 600_000));
    expect(big.length).toBe(600_000);
    expect(big.every((b) => b === 6)).toBe(true);
    slabs.release(big);
  });
});
