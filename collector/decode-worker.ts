import { parentPort } from 'node:worker_threads';
import { serialize } from 'node:v8';
import { DecodeError } from '../common/errors.js';
import { decodeRows, type OtlpEncoding } from './decode-rows.js';
import type { NormalizeOptions, PiiDropReason, RejectReason, SkipReason } from './normalize.js';

/*
 * The decode worker: a worker_threads entry that turns large request bodies into rows off the
 * collector's event loop (decode-thread.ts starts it and talks to it). `JSON.parse` of a 64 MiB
 * body alone is one ~500 ms call, which no amount of slicing on the main thread can split.
 */

/** A body to decode, its bytes transferred to this thread. */
export interface DecodeJob {
  id: number;
  body: Uint8Array;
  encoding: OtlpEncoding;
  options: NormalizeOptions;
  nowMs: number;
}

/**
 * Rows, as `v8.serialize`d slices of at most ROWS_PER_SLICE rows, transferred back. Serialized
 * here rather than posted as objects: a posted message is deserialized in one go when it
 * arrives, while these the main thread reads one slice per turn of its event loop.
 */
export interface DecodeDone {
  id: number;
  slices: ArrayBuffer[];
  /** Rows in all slices together. */
  rows: number;
  rejected: [RejectReason, number][];
  skipped: [SkipReason, number][];
  received: number;
  piiDropped: [PiiDropReason, number][];
}

/** The body was not OTLP (`decode`: a 400) or decoding failed otherwise. */
export interface DecodeFailed {
  id: number;
  error: string;
  decode: boolean;
}

/**
 * Rows the main thread deserializes in one turn (~1.4 µs a row on a quiet machine, several times
 * that under load). With 2,048, /healthz took up to 90-135 ms during bench:ingest at load 2.5;
 * with 512 (and 1,024-row encode slices in cli/collector-role.ts) 37-49 ms, same rates
 * (bench/RESULTS.md, 2026-12-05).
 */
export const ROWS_PER_SLICE = 512;

function run(job: DecodeJob): DecodeDone | DecodeFailed {
  try {
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    const decoded = decodeRows(body, job.encoding, job.options, job.nowMs);
    const slices: ArrayBuffer[] = [];
    for (let at = 0; at < decoded.rows.length; at += ROWS_PER_SLICE) {
      const bytes = serialize(decoded.rows.slice(at, at + ROWS_PER_SLICE));
      // Its own ArrayBuffer, so it can be transferred (serialize may hand out a pooled slice).
      slices.push(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : new Uint8Array(bytes).buffer);
    }
    return { id: job.id, slices, rows: decoded.rows.length, rejected: [...decoded.rejected], skipped: [...decoded.skipped], received: decoded.received, piiDropped: [...decoded.piiDropped] };
  } catch (err) {
    return { id: job.id, error: (err as Error).message, decode: err instanceof DecodeError };
  }
}

parentPort?.on('message', (job: DecodeJob) => {
  const answer = run(job);
  parentPort!.postMessage(answer, 'slices' in answer ? answer.slices : []);
});
