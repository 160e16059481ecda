/** Size of one slab; a 512-span request encodes to ~80 KB. */
const SLAB_BYTES = 1024 * 1024;
/** Larger pieces get memory of their own: they are rare and would waste most of a slab. */
const MAX_PIECE_BYTES = SLAB_BYTES / 4;
/** Empty slabs kept for reuse; the rest go to the garbage collector. */
const KEEP_FREE = 8;

interface Slab {
  readonly memory: ArrayBuffer;
  used: number;
  /** Pieces handed out and not yet released. */
  live: number;
}

/**
 * Memory for encoded span chunks, reused once every chunk in it has been written out.
 *
 * A chunk waits for its batch (100–300 ms), long enough to outlive two young-generation
 * collections: as separate Buffers, chunks were promoted and only a full collection gave
 * their memory back, so ~5 MB/s of external memory piled up between full collections and set
 * the collector's peak RSS. Copied into slabs, they cost no allocation at all once warm.
 *
 * A piece must be released after its last read (a piece released early would be overwritten by
 * the next chunk); releasing it again, or releasing memory from elsewhere, does nothing.
 */
export class ChunkSlabs {
  private current: Slab | undefined;
  private readonly free: Slab[] = [];
  private readonly slabOf = new WeakMap<ArrayBuffer, Slab>();
  /** Pieces handed out and not released: a second release of one must not free another's bytes. */
  private readonly handedOut = new WeakSet<Buffer>();

  /** A copy of `bytes` in slab memory (or in memory of its own when large). */
  copy(bytes: Uint8Array): Buffer {
    if (bytes.length > MAX_PIECE_BYTES) return Buffer.from(bytes);
    let slab = this.current;
    if (!slab || slab.used + bytes.length > SLAB_BYTES) {
      slab = this.current = this.free.pop() ?? this.newSlab();
    }
    const piece = Buffer.from(slab.memory, slab.used, bytes.length);
    piece.set(bytes);
    slab.used += bytes.length;
    slab.live++;
    this.handedOut.add(piece);
    return piece;
  }

  /** Gives a piece back; its memory may be handed out again at once. Anything else is ignored. */
  release(piece: Buffer): void {
    if (!this.handedOut.delete(piece)) return;
    const slab = this.slabOf.get(piece.buffer as ArrayBuffer)!;
    if (--slab.live > 0) return;
    slab.used = 0;
    if (slab !== this.current && this.free.length < KEEP_FREE) this.free.push(slab);
  }

  private newSlab(): Slab {
    const slab: Slab = { memory: new ArrayBuffer(SLAB_BYTES), used: 0, live: 0 };
    this.slabOf.set(slab.memory, slab);
    return slab;
  }
}
