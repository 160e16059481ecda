import { decodeBody } from './body-decode.js';

/**
 * Bytes of one body as they pass by: counts every byte, keeps a copy of the first `limit` bytes
 * for shape extraction. Copies because the caller may reuse its buffer after `write()`.
 * Never throws: a chunk it cannot read is counted as unknown and ignored.
 */
export class BodyCapture {
  /** Total bytes seen, including those past the limit. */
  size = 0;
  // Strings are immutable, so a UTF-8 string chunk that fits is kept as is: no copy now, no
  // decode later (http clients commonly `end()` a JSON string).
  private readonly chunks: Array<Buffer | string> = [];
  private kept = 0;
  /** Bytes arrived past the limit, so the kept copy is a prefix. */
  cut = false;

  /**
   * @param owned chunks are handed over for good (parser output, undici's copies), so keeping a
   *   reference is safe; otherwise (bytes passed to `write()`) they are copied.
   */
  constructor(
    private readonly limit: number,
    private readonly keep: boolean,
    private readonly owned = false,
  ) {}

  observe(chunk: unknown, encoding?: unknown): void {
    if (chunk === null || chunk === undefined) return;
    if (typeof chunk === 'string') {
      const enc = typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8';
      const length = Buffer.byteLength(chunk, enc);
      this.size += length;
      if (!this.keep) return;
      if ((enc === 'utf8' || enc === 'utf-8') && length <= this.limit - this.kept) {
        this.chunks.push(chunk);
        this.kept += length;
        return;
      }
      this.keepBytes(() => Buffer.from(chunk, enc), length, true);
      return;
    }
    if (chunk instanceof Uint8Array) {
      this.size += chunk.byteLength;
      if (this.keep) this.keepBytes(() => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), chunk.byteLength, this.owned);
    }
  }

  private keepBytes(view: () => Buffer, length: number, fresh: boolean): void {
    const room = this.limit - this.kept;
    if (room <= 0) {
      if (length > 0) this.cut = true;
      return;
    }
    const bytes = view();
    const take = Math.min(room, bytes.length);
    if (take < bytes.length) this.cut = true;
    const kept = take < bytes.length ? bytes.subarray(0, take) : bytes;
    this.chunks.push(fresh ? kept : Buffer.from(kept));
    this.kept += take;
  }

  /** The kept prefix; empty when nothing was kept. */
  bytes(): Buffer {
    const only = this.chunks.length === 1 ? this.chunks[0] : undefined;
    if (only !== undefined && typeof only !== 'string') return only;
    return Buffer.concat(
      this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)),
      this.kept,
    );
  }

  /** The kept prefix as text, `Content-Encoding` undone (see decodeBody). */
  text(contentEncoding: string | undefined, maxBytes: number): { text: string; cut: boolean } | undefined {
    const encoding = contentEncoding?.trim().toLowerCase() ?? '';
    if ((encoding === '' || encoding === 'identity') && this.chunks.every((c) => typeof c === 'string')) {
      return { text: this.chunks.length === 1 ? (this.chunks[0] as string) : this.chunks.join(''), cut: false };
    }
    return decodeBody(this.bytes(), contentEncoding, maxBytes);
  }
}
