import { randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkSlabs } from './chunk-slabs.js';
import { encodeNativeBlock, type NativeColumn } from './native-block.js';
import { wrapStoreError, type Store } from './store.js';

/** One `egress_spans` row as inserted (JSONEachRow). */
export interface EgressSpanRow {
  /** Start time in nanoseconds since the epoch (DateTime64(9) ticks). */
  timestamp_ns: bigint;
  trace_id: string;
  span_id: string;
  service: string;
  environment: string;
  vendor: string;
  host: string;
  method: string;
  route: string;
  status_code: number;
  error_type: string;
  duration_ns: number;
  request_bytes: number;
  response_bytes: number;
  request_fields: readonly string[];
  request_pii: readonly string[];
  response_fields: readonly string[];
  response_pii: readonly string[];
  shape_hash: string;
  attributes: Record<string, string>;
}

const NS_PER_S = 1_000_000_000n;

/** The columns of `egress_spans` in table order, as the Native block carries them. */
const SPAN_COLUMNS: readonly NativeColumn<EgressSpanRow>[] = [
  { name: 'timestamp', type: "DateTime64(9, 'UTC')", value: (r) => r.timestamp_ns },
  { name: 'trace_id', type: 'String', value: (r) => r.trace_id },
  { name: 'span_id', type: 'String', value: (r) => r.span_id },
  { name: 'service', type: 'String', value: (r) => r.service },
  { name: 'environment', type: 'String', value: (r) => r.environment },
  { name: 'vendor', type: 'String', value: (r) => r.vendor },
  { name: 'host', type: 'String', value: (r) => r.host },
  { name: 'method', type: 'String', value: (r) => r.method },
  { name: 'route', type: 'String', value: (r) => r.route },
  { name: 'status_code', type: 'UInt16', value: (r) => r.status_code },
  { name: 'error_type', type: 'String', value: (r) => r.error_type },
  { name: 'duration_ns', type: 'UInt64', value: (r) => r.duration_ns },
  { name: 'request_bytes', type: 'UInt64', value: (r) => r.request_bytes },
  { name: 'response_bytes', type: 'UInt64', value: (r) => r.response_bytes },
  { name: 'request_fields', type: 'Array(String)', value: (r) => r.request_fields },
  { name: 'request_pii', type: 'Array(String)', value: (r) => r.request_pii },
  { name: 'response_fields', type: 'Array(String)', value: (r) => r.response_fields },
  { name: 'response_pii', type: 'Array(String)', value: (r) => r.response_pii },
  { name: 'shape_hash', type: 'String', value: (r) => r.shape_hash },
  { name: 'attributes', type: 'Map(String, String)', value: (r) => r.attributes },
];
const COLUMN_LIST = SPAN_COLUMNS.map((c) => c.name).join(', ');

/**
 * Rows already encoded for the store's transport: a Native block for the embedded engine,
 * JSONEachRow text for a server. Encoding when a request arrives keeps what waits for the next
 * batch compact (≈160 bytes a row instead of an object graph the garbage collector walks).
 */
export interface SpanChunk {
  readonly rows: number;
  readonly data: Buffer | string;
}

const slabs = new ChunkSlabs();
const copyToSlab = (bytes: Uint8Array): Buffer => slabs.copy(bytes);

/**
 * Encodes rows for `store`'s transport; insert one or more chunks with `insertSpanChunks`, which
 * consumes them (a Native chunk's memory is reused once it has been written out).
 */
export function encodeSpans(store: Pick<Store, 'scratchDir'>, rows: readonly EgressSpanRow[]): SpanChunk {
  if (store.scratchDir !== undefined) return { rows: rows.length, data: encodeNativeBlock(SPAN_COLUMNS, rows, copyToSlab) };
  let text = '';
  for (const row of rows) text += JSON.stringify({ ...row, timestamp_ns: undefined, timestamp: nanosToDecimal(row.timestamp_ns) }) + '\n';
  return { rows: rows.length, data: text };
}

/**
 * Inserts chunks into `egress_spans` in one statement; the materialized views fill the rollups
 * and the data map in the same insert. Resolves once the engine has written the part.
 */
export async function insertSpanChunks(store: Store, chunks: readonly SpanChunk[], timeoutMs: number): Promise<void> {
  const rows = chunks.reduce((n, c) => n + c.rows, 0);
  if (rows === 0) return;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    if (store.scratchDir !== undefined) await insertNative(store, store.scratchDir, chunks, abort.signal);
    else await insertJson(store, chunks, abort.signal);
  } catch (err) {
    throw wrapStoreError(err, abort.signal.aborted ? `insert of ${rows} spans timed out after ${timeoutMs} ms` : `insert of ${rows} spans failed`);
  } finally {
    clearTimeout(timer);
  }
}

/** Encodes and inserts rows in one go. */
export function insertSpans(store: Store, rows: readonly EgressSpanRow[], timeoutMs: number): Promise<void> {
  return insertSpanChunks(store, [encodeSpans(store, rows)], timeoutMs);
}

/**
 * Embedded engine: the chunks' Native blocks, one after another, in a scratch file that the
 * engine reads with `file()` (a Native stream is a sequence of blocks). chDB takes an insert's
 * data only as text inline in the statement, and parsing JSONEachRow span rows cost it ~20 µs a
 * row; Native costs ~1 µs. The file lives only for the statement.
 */
async function insertNative(store: Store, scratchDir: string, chunks: readonly SpanChunk[], signal: AbortSignal): Promise<void> {
  const path = join(scratchDir, `spans-${randomUUID()}.native`);
  try {
    const file = await open(path, 'w');
    try {
      await file.writev(chunks.map((c) => c.data as Buffer));
    } finally {
      await file.close();
    }
  } finally {
    // Written or failed, the chunks are done with: their slab memory can take the next requests.
    for (const chunk of chunks) releaseSpanChunk(chunk);
  }
  try {
    await store.client.command({
      query: `INSERT INTO egress_spans (${COLUMN_LIST}) SELECT ${COLUMN_LIST} FROM file({path:String}, 'Native')`,
      query_params: { path },
      // One thread: a batch is a few thousand rows read from one Native file, so more threads add
      // pipelines that hold blocks rather than speed; the engine's insert memory is most of what
      // moves under bench:soak (bench/RESULTS.md, 2026-12-05).
      clickhouse_settings: { max_threads: 1, max_insert_threads: '1' },
      abort_signal: signal,
    });
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * Server: JSONEachRow in the POST body, which a server parses on its own cores. One statement
 * with the rows inline: the client's per-row object stream costs more than the serialisation.
 * The rows are JSON we produced, not user text.
 */
async function insertJson(store: Store, chunks: readonly SpanChunk[], signal: AbortSignal): Promise<void> {
  const body = 'INSERT INTO egress_spans FORMAT JSONEachRow\n' + chunks.map((c) => c.data as string).join('');
  await store.client.command({ query: body, abort_signal: signal });
}

/**
 * Gives a chunk's slab memory back; the chunk must not be read afterwards. `insertSpanChunks`
 * does this; call it for a chunk that will never be inserted (its request was refused).
 * Releasing twice does nothing.
 */
export function releaseSpanChunk(chunk: SpanChunk): void {
  if (typeof chunk.data !== 'string') slabs.release(chunk.data);
}

/** Nanoseconds since the epoch as `seconds.fraction`, which DateTime64(9) parses exactly. */
function nanosToDecimal(ns: bigint): string {
  return `${ns / NS_PER_S}.${(ns % NS_PER_S).toString().padStart(9, '0')}`;
}
