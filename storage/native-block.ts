/**
 * Writes one block in ClickHouse's Native format: the engine's own columnar wire format, which it
 * reads with almost no parsing (a tenth of the CPU of JSONEachRow for span rows on chDB).
 * No maintained JavaScript encoder exists, and the subset needed here is small: String, UInt16,
 * UInt64, DateTime64(9), Array(String) and Map(String, String). LowCardinality columns are
 * written as String; the engine converts on insert.
 *
 * Layout (client revision 0, so no block info): varint column count, varint row count, then per
 * column its name, its type and its values. Arrays are all their cumulative UInt64 offsets
 * followed by the nested column; a Map is Array(Tuple(K, V)) with the keys column before the
 * values column.
 */

/** A column of one block: name, Native type, and how to write every row's value. */
export interface NativeColumn<R> {
  name: string;
  type: 'String' | 'UInt16' | 'UInt64' | 'Array(String)' | 'Map(String, String)' | "DateTime64(9, 'UTC')";
  /**
   * String, number (UInt16/UInt64, ≤ 2^53), bigint (DateTime64 ticks), string[] (frozen when
   * many rows share it) or Record<string, string>.
   */
  value: (row: R) => unknown;
}

const TWO_POW_32 = 2 ** 32;

/** A growable little-endian byte buffer. */
class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 1024));
  }

  /** Bytes of memory held. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Starts over, keeping the memory. */
  reset(): void {
    this.pos = 0;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varUInt(value: number): void {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  string(value: string): void {
    // Nearly every string here is short ASCII (names, routes, ids, field paths): copying the
    // char codes is ~2.5× faster than a call into the native UTF-8 encoder.
    const length = value.length;
    if (length < 0x80) {
      this.reserve(length + 1);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < length; i++) {
        const code = value.charCodeAt(i);
        if (code >= 0x80) break;
        buf[start + i] = code;
      }
      if (i === length) {
        buf[this.pos] = length;
        this.pos = start + length;
        return;
      }
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varUInt(bytes);
    this.reserve(bytes);
    this.pos += this.buf.write(value, this.pos, bytes, 'utf8');
  }

  uint16(value: number): void {
    this.reserve(2);
    this.pos = this.buf.writeUInt16LE(value, this.pos);
  }

  /** A non-negative integer up to 2^53 as UInt64, without a BigInt per value. */
  uint64(value: number): void {
    this.reserve(8);
    const high = Math.floor(value / TWO_POW_32);
    this.buf.writeUInt32LE(value - high * TWO_POW_32, this.pos);
    this.buf.writeUInt32LE(high, this.pos + 4);
    this.pos += 8;
  }

  raw(bytes: Buffer): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  int64(value: bigint): void {
    this.reserve(8);
    this.pos = this.buf.writeBigInt64LE(value, this.pos);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * A frozen list is one many rows share (span field lists repeat call after call): its strings
 * are encoded once and copied after that.
 */
const encodedLists = new WeakMap<readonly string[], Buffer>();

function encodedList(list: readonly string[]): Buffer {
  let bytes = encodedLists.get(list);
  if (bytes === undefined) {
    const out = new ByteWriter(list.length * 32);
    for (const item of list) out.string(item);
    bytes = Buffer.from(out.bytes());
    encodedLists.set(list, bytes);
  }
  return bytes;
}

/**
 * Blocks are written here and copied out at their exact size: what waits for a batch then
 * holds no slack, and the writer's memory is allocated once, not per request. One outsized
 * request does not pin its size for the life of the process.
 */
const BLOCK_WRITER_BYTES = 1 << 20;
const MAX_KEPT_BLOCK_WRITER_BYTES = 8 << 20;
let blockWriter = new ByteWriter(BLOCK_WRITER_BYTES);

/**
 * Encodes `rows` as one Native block with `columns` in order. `copy` takes the block out of the
 * shared writer (a fresh Buffer by default; the span writer copies into reusable slabs).
 */
export function encodeNativeBlock<R>(columns: readonly NativeColumn<R>[], rows: readonly R[], copy: (bytes: Uint8Array) => Buffer = (b) => Buffer.from(b)): Buffer {
  const out = blockWriter;
  out.reset();
  out.varUInt(columns.length);
  out.varUInt(rows.length);
  for (const column of columns) {
    out.string(column.name);
    out.string(column.type);
    writeColumn(out, column, rows);
  }
  const block = copy(out.bytes());
  if (out.capacity > MAX_KEPT_BLOCK_WRITER_BYTES) blockWriter = new ByteWriter(BLOCK_WRITER_BYTES);
  return block;
}

function writeColumn<R>(out: ByteWriter, column: NativeColumn<R>, rows: readonly R[]): void {
  const { value } = column;
  switch (column.type) {
    case 'String':
      for (const row of rows) out.string(value(row) as string);
      return;
    case 'UInt16':
      for (const row of rows) out.uint16(value(row) as number);
      return;
    case 'UInt64':
      for (const row of rows) out.uint64(value(row) as number);
      return;
    case "DateTime64(9, 'UTC')":
      for (const row of rows) out.int64(value(row) as bigint);
      return;
    case 'Array(String)': {
      const lists = rows.map((row) => value(row) as readonly string[]);
      let offset = 0;
      for (const list of lists) out.uint64((offset += list.length));
      for (const list of lists) {
        if (Object.isFrozen(list)) out.raw(encodedList(list));
        else for (const item of list) out.string(item);
      }
      return;
    }
    case 'Map(String, String)': {
      const maps = rows.map((row) => Object.entries(value(row) as Record<string, string>));
      let offset = 0;
      for (const entries of maps) out.uint64((offset += entries.length));
      for (const entries of maps) for (const [key] of entries) out.string(key);
      for (const entries of maps) for (const [, v] of entries) out.string(v);
      return;
    }
  }
}
