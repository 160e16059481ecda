import { UnsupportedMediaTypeError } from '../common/errors.js';
import type { EgressSpanRow } from '../storage/span-writer.js';
import { decodeRows, type DecodedRows, type OtlpEncoding, type RowSlices } from './decode-rows.js';
import { decodeRowsOffThread } from './decode-thread.js';
import { inflateGzip } from './inflate.js';
import type { NormalizeOptions, RejectReason } from './normalize.js';
import { piiEntriesDropped, spansAccepted, spansReceived, spansRejected } from './metrics.js';

export type { DecodedRows, OtlpEncoding, RowSlices };

/** Where accepted rows go. */
export interface SpanSink {
  /**
   * Resolves once `rows` are durable; rejects (e.g. SaturatedError) if they cannot be taken.
   * Rows in slices are best taken one slice at a time (see RowSlices).
   */
  write(rows: EgressSpanRow[] | RowSlices): Promise<void>;
  /** Rows accepted but not yet written. */
  readonly queueDepth: number;
}

/** What a successful export answers: how many spans were rejected, and why in one sentence. */
export interface ExportResult {
  rejectedSpans: number;
  errorMessage: string;
}

/** Which encoding a Content-Type names, or a 415. */
export function encodingOf(contentType: string | undefined): OtlpEncoding {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new UnsupportedMediaTypeError(
    `Content-Type '${type || '(none)'}' is not supported on /v1/traces; send application/x-protobuf or application/json`,
  );
}

/**
 * Bodies that `decompress` inflated: memory nobody else holds (the request's own buffer is
 * released separately), so a large one is handed to the decode worker without a copy.
 */
const inflated = new WeakSet<Buffer>();

/** Undoes Content-Encoding, bounded: a body that inflates past `maxBytes` is a 413. */
export async function decompress(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') {
    throw new UnsupportedMediaTypeError(`Content-Encoding '${encoding}' is not supported; send gzip or no encoding`);
  }
  const out = await inflateGzip(body, maxBytes);
  inflated.add(out);
  return out;
}

const REJECT_SENTENCES: Record<RejectReason, string> = {
  invalid_ids: 'trace_id/span_id missing or not 16/8 bytes',
  invalid_time: 'start/end time missing or end before start',
  out_of_range: 'start time older than the retention or more than an hour in the future',
  no_host: 'no server.address, net.peer.name or url.full to tell the destination',
  invalid_host: 'server.address / url.full is not a host name or IP address',
};

/**
 * Bodies up to this size (decompressed) are decoded on the event loop; larger ones on the decode
 * worker. ~10 ms of decoding and normalising either encoding (1 MiB is ~1,400 protobuf or ~700
 * JSON spans of bench:large); the usual exporter request (512 spans) stays on this side.
 */
const OFF_THREAD_MIN_BYTES = 1024 * 1024;

/**
 * Decodes a body and normalises its spans: rows to store, and counts of what was rejected.
 * An ordinary body is decoded at once (and a DecodeError thrown); a large one on the decode
 * worker, so that the event loop keeps answering other requests (a 64 MiB JSON body held it for
 * seconds), and then the result is a promise (rejecting with a DecodeError). Either way the
 * body's bytes have been read or copied when this returns: the caller may reuse its buffer.
 */
export function toRows(body: Buffer, encoding: OtlpEncoding, normalizeOptions: NormalizeOptions): DecodedRows | Promise<DecodedRows> {
  const nowMs = Date.now();
  if (body.length <= OFF_THREAD_MIN_BYTES) return counted(decodeRows(body, encoding, normalizeOptions, nowMs));
  return decodeRowsOffThread(body, inflated.has(body), encoding, normalizeOptions, nowMs).then(counted);
}

function counted(decoded: DecodedRows): DecodedRows {
  spansReceived.inc(decoded.received);
  for (const [reason, count] of decoded.skipped) spansRejected.inc({ reason }, count);
  for (const [reason, count] of decoded.piiDropped) piiEntriesDropped.inc({ reason }, count);
  return decoded;
}

/**
 * Hands decoded rows to the sink and resolves once they are durable. Spans that are not outbound
 * HTTP calls were skipped (not an error); spans that are, but cannot be stored, are reported back
 * as rejected.
 *
 * Deliberately not async: an async function keeps its arguments for as long as it waits, and a
 * request waits a batch (~100-300 ms), long enough for its rows to be promoted to the old
 * generation and fill it. Here the rows are encoded by the sink and dropped before the wait.
 */
export function storeRows(decoded: DecodedRows | Promise<DecodedRows>, sink: SpanSink): Promise<ExportResult> {
  if (decoded instanceof Promise) return decoded.then((rows) => storeRows(rows, sink));
  const accepted = decoded.rows.length;
  return settle(sink.write(decoded.rows), accepted, decoded.rejected);
}

async function settle(written: Promise<void>, accepted: number, rejected: ReadonlyMap<RejectReason, number>): Promise<ExportResult> {
  await written;
  spansAccepted.inc(accepted);
  let rejectedSpans = 0;
  const parts: string[] = [];
  for (const [reason, count] of rejected) {
    spansRejected.inc({ reason }, count);
    rejectedSpans += count;
    parts.push(`${count} span(s): ${REJECT_SENTENCES[reason]}`);
  }
  return { rejectedSpans, errorMessage: parts.join('; ') };
}
