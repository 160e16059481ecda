import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DecodeError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../common/errors.js';
import type { EgressSpanRow } from '../storage/span-writer.js';
import { decodeJson, type DecodedResourceSpans } from '../common/otlp-spans.js';
import { decodeProtobuf } from './otlp-protobuf.js';
import { normalizeSpan, type NormalizeOptions, type RejectReason } from './normalize.js';
import { spansAccepted, spansReceived, spansRejected } from './metrics.js';

const gunzipAsync = promisify(gunzip);

export type OtlpEncoding = 'protobuf' | 'json';

/** Where accepted rows go. */
export interface SpanSink {
  /** Resolves once `rows` are durable; rejects (e.g. SaturatedError) if they cannot be taken. */
  write(rows: EgressSpanRow[]): Promise<void>;
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

/** Undoes Content-Encoding, bounded: a body that inflates past `maxBytes` is a 413. */
export async function decompress(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') {
    throw new UnsupportedMediaTypeError(`Content-Encoding '${encoding}' is not supported; send gzip or no encoding`);
  }
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new PayloadTooLargeError(`body inflates past ${maxBytes} bytes; send smaller batches`);
    }
    throw new DecodeError(`body is not valid gzip: ${(err as Error).message}`);
  }
}

const REJECT_SENTENCES: Record<RejectReason, string> = {
  invalid_ids: 'trace_id/span_id missing or not 16/8 bytes',
  invalid_time: 'start/end time missing or end before start',
  out_of_range: 'start time older than the retention or more than an hour in the future',
  no_host: 'no server.address, net.peer.name or url.full to tell the destination',
  invalid_host: 'server.address / url.full is not a host name or IP address',
};

/** Decodes a body and normalises its spans: rows to store, and counts of what was rejected. */
export function toRows(body: Buffer, encoding: OtlpEncoding, normalizeOptions: NormalizeOptions): { rows: EgressSpanRow[]; rejected: Map<RejectReason, number> } {
  const decoded: DecodedResourceSpans[] = encoding === 'protobuf' ? decodeProtobuf(body) : decodeJson(body);
  const rows: EgressSpanRow[] = [];
  const rejected = new Map<RejectReason, number>();
  let received = 0;
  const nowMs = Date.now();
  for (const { resource, spans } of decoded) {
    for (const span of spans) {
      received++;
      const result = normalizeSpan(span, resource, normalizeOptions, nowMs);
      if ('row' in result) rows.push(result.row);
      else if ('reject' in result) rejected.set(result.reject, (rejected.get(result.reject) ?? 0) + 1);
      else spansRejected.inc({ reason: result.skip });
    }
  }
  spansReceived.inc(received);
  return { rows, rejected };
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
export function storeRows(decoded: ReturnType<typeof toRows>, sink: SpanSink): Promise<ExportResult> {
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
