import { setFlagsFromString } from 'node:v8';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../common/config/index.js';
import { hostnameOf } from '../collector/access-guard.js';
import { BatchWriter } from '../collector/batch-writer.js';
import { CardinalityBudget } from '../collector/cardinality-budget.js';
import { batchInsertSeconds, batchRows } from '../collector/metrics.js';
import type { RowSlices } from '../collector/decode-rows.js';
import { createCollectorServer } from '../collector/server.js';
import { registerRunbookRoutes } from './runbook-routes.js';
import { encodeSpans, insertSpanChunks, releaseSpanChunk, type EgressSpanRow, type SpanChunk } from '../storage/span-writer.js';
import type { Store } from '../storage/store.js';

/**
 * Rows encoded per event-loop turn. A 64 MiB request holds 40–70k rows, and encoding them in one
 * go blocked /healthz for 150–600 ms here; 4,096-row slices still let it reach 90-135 ms during
 * bench:ingest, 1,024 (with 512-row decode slices) 37-49 ms. A request still goes to the writer
 * as one atomic enqueue of all its chunks.
 */
const ENCODE_SLICE_ROWS = 1_024;

/**
 * Encodes rows at most `ENCODE_SLICE_ROWS` a turn. The decode worker's slices (512 rows) are
 * encoded as each one is read, so a request's row objects never all live at once: held across
 * the turns of reading them, they survived young-generation collections and were promoted.
 */
async function encodeInSlices(rows: EgressSpanRow[] | RowSlices, encode: (slice: EgressSpanRow[]) => SpanChunk): Promise<SpanChunk[]> {
  const chunks: SpanChunk[] = [];
  try {
    if (Array.isArray(rows)) {
      for (let at = 0; at < rows.length; at += ENCODE_SLICE_ROWS) {
        if (at > 0) await new Promise<void>((resume) => setImmediate(resume));
        chunks.push(encode(rows.slice(at, at + ENCODE_SLICE_ROWS)));
      }
    } else {
      for await (const slice of rows.slices()) chunks.push(encode(slice));
    }
    return chunks;
  } catch (err) {
    for (const chunk of chunks) releaseSpanChunk(chunk);
    throw err;
  }
}

/** A running collector: its URL and an orderly stop (stop listening, then flush). */
export interface CollectorRole {
  url: string;
  writer: BatchWriter<SpanChunk>;
  close(): Promise<void>;
}

/** Wires config → batch writer → OTLP server on an open store. */
export async function startCollectorRole(
  config: Config,
  store: Store,
  overrides: { host?: string | undefined; port?: number | undefined; routes?: (app: FastifyInstance) => void | Promise<void> } = {},
): Promise<CollectorRole> {
  const c = config.collector;
  // Each request decodes ~500 spans in one go, so young-generation collections keep finding
  // those objects alive and V8's allocation-site pretenuring starts allocating them straight in
  // the old generation, where they die at once and wait for a full collection: ~5 MB/s of old
  // garbage, 60-90 MB of peak RSS under bench:ingest (436-446 MB without it vs 490-535 MB with
  // it, same throughput). A GC heuristic only, read at collection time; this process is ours.
  setFlagsFromString('--no-allocation-site-pretenuring');
  const writer = new BatchWriter<SpanChunk>({
    write: (chunks) => insertSpanChunks(store, chunks, c.insert_timeout_ms),
    sizeOf: (chunk) => chunk.rows,
    maxBatchRows: c.max_batch_spans,
    flushIntervalMs: c.flush_interval_ms,
    maxQueueRows: Math.max(c.max_queue_spans, c.max_batch_spans),
    onWrite: ({ rows, durationMs, ok }) => {
      batchInsertSeconds.observe({ outcome: ok ? 'ok' : 'error' }, durationMs / 1000);
      if (ok) batchRows.observe(rows);
    },
  });
  const configVendors = Object.entries(config.vendors).map(([vendor, v]) => ({ vendor, hosts: v.hosts }));
  const budget = new CardinalityBudget({
    maxRoutesPerVendor: config.budgets.routes_per_vendor,
    maxFieldsPerRoute: config.budgets.fields_per_route,
    maxHostsPerVendor: config.budgets.hosts_per_vendor,
  });
  let draining = false;
  const server = await createCollectorServer({
    host: overrides.host ?? c.host,
    port: overrides.port ?? c.port,
    ingestTokens: c.ingest_tokens,
    maxBodyBytes: c.max_body_bytes,
    maxDecompressedBytes: c.max_decompressed_bytes,
    maxInflightBytes: c.max_inflight_bytes,
    maxConnections: c.max_connections,
    requestTimeoutMs: c.request_timeout_ms,
    headersTimeoutMs: c.headers_timeout_ms,
    keepAliveTimeoutMs: c.keep_alive_timeout_ms,
    connectionTimeoutMs: c.connection_timeout_ms,
    allowedHostnames: hostnameOf(config.alerts.external_url),
    spans: {
      write: (rows) => {
        if (rows.length === 0) return Promise.resolve();
        const encode = (slice: EgressSpanRow[]): SpanChunk => {
          // On this thread, wherever the rows were decoded: one budget state per process.
          for (const row of slice) budget.admit(row);
          return encodeSpans(store, slice);
        };
        // Refused (queue full, shutting down) or its batch failed: its memory goes back either way.
        const enqueue = (chunks: SpanChunk[]): Promise<void> =>
          writer.enqueue(chunks).catch((err: unknown) => {
            for (const chunk of chunks) releaseSpanChunk(chunk);
            throw err;
          });
        if (Array.isArray(rows) && rows.length <= ENCODE_SLICE_ROWS) return enqueue([encode(rows)]);
        return encodeInSlices(rows, encode).then(enqueue);
      },
      get queueDepth() {
        return writer.queueDepth;
      },
    },
    normalize: {
      configVendors,
      maxAgeMs: config.retention_days * 86_400_000,
      ignoreHosts: c.ignore_hosts.length > 0 ? [{ vendor: 'ignored', hosts: c.ignore_hosts }] : [],
    },
    isReady: () => !draining && writer.queueDepth < Math.max(c.max_queue_spans, c.max_batch_spans) * 0.9,
    routes: overrides.routes ?? ((app) => registerRunbookRoutes(app)),
  });
  const url = await server.listen();
  return {
    url,
    writer,
    close: async () => {
      draining = true;
      await server.close();
      await writer.shutdown();
    },
  };
}
