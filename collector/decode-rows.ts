import type { EgressSpanRow } from '../storage/span-writer.js';
import type { DecodedResourceSpans } from '../common/otlp-spans.js';
import { decodeOtlpJson } from './otlp-json.js';
import { decodeProtobuf } from './otlp-protobuf.js';
import { normalizeSpan, type NormalizeOptions, type PiiDrops, type RejectReason, type SkipReason } from './normalize.js';

export type OtlpEncoding = 'protobuf' | 'json';

/** What one request body comes to: rows to store and counts of the spans that did not become rows. */
export interface DecodedRows<Rows extends EgressSpanRow[] | RowSlices = EgressSpanRow[] | RowSlices> {
  /** Rows to store: all at hand (decoded on this thread), or slices still to be read (the decode worker's). */
  rows: Rows;
  /** Spans refused, reported back to the sender as rejected. */
  rejected: Map<RejectReason, number>;
  /** Spans skipped by design (not egress, ignored hosts); counted, not reported. */
  skipped: Map<SkipReason, number>;
  /** Spans in the body, of every kind. */
  received: number;
  /** `egress.*.pii` entries dropped from stored spans, per reason (counted per span). */
  piiDropped: PiiDrops;
}

/**
 * Rows that arrive in slices, read one per turn of the event loop: a sink that encodes each slice
 * as it comes never holds a whole request's row objects, which would otherwise live across the
 * turns of reading them and be promoted to the old generation.
 */
export interface RowSlices {
  /** Rows in all slices together. */
  readonly length: number;
  /** The slices, in order; each is read once, when asked for. */
  slices(): AsyncIterable<EgressSpanRow[]>;
}

/** Every row of `rows` in one array (for callers that need them all at once). */
export async function allRows(rows: EgressSpanRow[] | RowSlices): Promise<EgressSpanRow[]> {
  if (Array.isArray(rows)) return rows;
  const out: EgressSpanRow[] = [];
  for await (const slice of rows.slices()) out.push(...slice);
  return out;
}

/**
 * Decodes a (decompressed) body and normalises its spans. The one step between wire bytes and
 * rows, run on the main thread for ordinary requests and on the decode worker for large ones
 * (decode-worker.ts); it has no I/O and touches no metrics, which live on the main thread.
 * Throws DecodeError for a body that is not OTLP.
 */
export function decodeRows(body: Buffer, encoding: OtlpEncoding, options: NormalizeOptions, nowMs: number): DecodedRows<EgressSpanRow[]> {
  const decoded: DecodedResourceSpans[] = encoding === 'protobuf' ? decodeProtobuf(body) : decodeOtlpJson(body);
  const out: DecodedRows<EgressSpanRow[]> = { rows: [], rejected: new Map(), skipped: new Map(), received: 0, piiDropped: new Map() };
  for (const { resource, spans } of decoded) {
    for (const span of spans) {
      out.received++;
      const result = normalizeSpan(span, resource, options, nowMs, out.piiDropped);
      if ('row' in result) out.rows.push(result.row);
      else if ('reject' in result) out.rejected.set(result.reject, (out.rejected.get(result.reject) ?? 0) + 1);
      else out.skipped.set(result.skip, (out.skipped.get(result.skip) ?? 0) + 1);
    }
  }
  return out;
}
