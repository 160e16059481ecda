import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConfigError, EgressWatchError, SaturatedError, UnavailableError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { hostCheck, inflightBodyBytes, IngestTokens, isLoopbackBind, MISDIRECTED_MESSAGE, requestsRefused } from './access-guard.js';
import { metricsRegistry, queueDepth, requestsTotal, spansRejected, startProcessMetrics } from './metrics.js';
import type { NormalizeOptions } from './normalize.js';
import { BodyBuffers, inflightFullError, InflightBytes, type BodyHold } from './body-buffers.js';
import { decompress, encodingOf, storeRows, toRows, type ExportResult, type OtlpEncoding, type SpanSink } from './otlp-handler.js';
import { ExportTraceServiceResponse, RpcStatus } from './otlp-schema.js';

const log = logger('collector');

/** Options of the collector's HTTP server; defaults resolved in `createCollectorServer`. */
export interface CollectorServerOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 4318 (OTLP/HTTP). */
  port?: number;
  /** Accepted bearer tokens on /v1/traces; empty: no auth, and only loopback is allowed. */
  ingestTokens?: readonly string[];
  /** Largest body as sent, in bytes. Default 8 MiB. */
  maxBodyBytes?: number;
  /** Largest body after gzip, in bytes. Default 64 MiB. */
  maxDecompressedBytes?: number;
  /**
   * Request bodies held in memory at once across all requests, in bytes; a request that would
   * go beyond it is answered 429 with Retry-After before its body is read. Default 64 MiB (eight
   * bodies of the largest size, ~160 of a typical 400 KB export); at least `maxBodyBytes`.
   */
  maxInflightBytes?: number;
  /** Open connections at most; more are closed as they arrive. Default 512 (below the usual `ulimit -n` of 1024). */
  maxConnections?: number;
  /**
   * The whole request, headers and body, must arrive within this or the client gets 408 and is
   * disconnected: a sender trickling its body cannot hold a connection and its bytes for long.
   * Default 30 s (OTLP exporters give up on an export after 10 s).
   */
  requestTimeoutMs?: number;
  /** The headers must arrive within this (likewise 408). Default 10 s; at most `requestTimeoutMs`. */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 72 s, above the 60 s of common load balancers, so that they close first. */
  keepAliveTimeoutMs?: number;
  /**
   * A connection silent in both directions for this long is closed (a client that stops reading
   * its answer). Default 120 s: above `insert_timeout_ms`, as a request waits silently for its batch.
   */
  connectionTimeoutMs?: number;
  /**
   * Host names accepted in the `Host` header besides loopback names, when listening on loopback
   * (e.g. the host of `alerts.external_url` behind a reverse proxy that forwards its own `Host`).
   */
  allowedHostnames?: readonly string[];
  /** Where accepted spans go; a request is answered once they are durable there. */
  spans: SpanSink;
  normalize: NormalizeOptions;
  /** Extra routes (JSON API, runbooks, console) registered by the process that composes roles. */
  routes?: (app: FastifyInstance) => void | Promise<void>;
  /** Whether the instance is ready to take traffic (store open, not draining). */
  isReady?: () => boolean;
}

export interface CollectorServer {
  app: FastifyInstance;
  /** Resolves with the base URL once listening. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Node checks request and header timeouts on an interval (30 s by default), so a timeout is only as exact as it. */
function checkingIntervalMs(timeoutMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4)));
}

/** The OTLP/HTTP receiver plus health, readiness and metrics endpoints. */
export async function createCollectorServer(options: CollectorServerOptions): Promise<CollectorServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4318;
  const tokens = new IngestTokens(options.ingestTokens ?? []);
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const maxDecompressedBytes = options.maxDecompressedBytes ?? 64 * 1024 * 1024;
  const maxInflightBytes = options.maxInflightBytes ?? 64 * 1024 * 1024;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const headersTimeoutMs = options.headersTimeoutMs ?? Math.min(10_000, requestTimeoutMs);
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 72_000;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 120_000;
  const maxConnections = options.maxConnections ?? 512;
  if (tokens.open && !isLoopbackBind(host)) {
    throw new ConfigError(
      `refusing to listen on ${host} without ingest tokens: anyone who can reach it could write spans. Set EGRESSWATCH_INGEST_TOKENS (or collector.ingest_tokens) or listen on 127.0.0.1`,
    );
  }
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`collector.headers_timeout_ms (${headersTimeoutMs}) must not be above collector.request_timeout_ms (${requestTimeoutMs}): the headers are part of the request`);
  }
  if (maxInflightBytes < maxBodyBytes) {
    throw new ConfigError(`collector.max_inflight_bytes (${maxInflightBytes}) must be at least collector.max_body_bytes (${maxBodyBytes}), or a body of the largest size could never be taken`);
  }
  const hostAllowed = hostCheck(host, options.allowedHostnames);
  startProcessMetrics();

  const app = Fastify({
    logger: false,
    bodyLimit: maxBodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    connectionTimeout: connectionTimeoutMs,
    http: { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: checkingIntervalMs(headersTimeoutMs) },
  });
  app.server.maxConnections = maxConnections;
  app.removeAllContentTypeParsers();
  const bodies = new BodyBuffers();
  const inflight = new InflightBytes(maxInflightBytes);
  const holds = new WeakMap<IncomingMessage, BodyHold>();
  app.addContentTypeParser('*', (req: FastifyRequest, payload: IncomingMessage) => bodies.read(payload, maxBodyBytes, holds.get(req.raw)));

  const reply = (res: FastifyReply, encoding: OtlpEncoding, status: number, message: string, retryAfter?: number): FastifyReply => {
    requestsTotal.inc({ status: String(status) });
    if (retryAfter !== undefined) void res.header('Retry-After', String(retryAfter));
    if (encoding === 'protobuf') {
      const buf = RpcStatus.encode(RpcStatus.create({ code: status, message })).finish();
      return res.code(status).type('application/x-protobuf').send(Buffer.from(buf));
    }
    return res.code(status).type('application/json').send({ code: status, message });
  };

  const isExport = (req: FastifyRequest): boolean => req.method === 'POST' && req.routeOptions.url === '/v1/traces';
  const encodingHint = (req: FastifyRequest): OtlpEncoding => ((req.headers['content-type'] ?? '').includes('protobuf') ? 'protobuf' : 'json');
  // Answered before the body is read. The rest of the body is then read and dropped (kept
  // nowhere) and the connection stays open for the next request, under the same timeouts as any
  // other. Closing it at once would be cheaper, but a sender still writing then sees a reset, which
  // node:http exporters take for a network error and retry, where 401 stops them and 429 says
  // when; closing it after the body races a client that reuses it meanwhile. A body announced
  // larger than max_body_bytes, or growing past it, is not worth reading: that connection is closed.
  const refuse = (req: FastifyRequest, res: FastifyReply, reason: 'host' | 'unauthorized' | 'inflight_bytes', status: number, message: string, retryAfter?: number): FastifyReply => {
    requestsRefused.inc({ reason });
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
      void res.header('connection', 'close');
    } else {
      let seen = 0;
      req.raw.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > maxBodyBytes) req.raw.socket.destroy();
      });
    }
    if (isExport(req)) return reply(res, encodingHint(req), status, message, retryAfter);
    if (retryAfter !== undefined) void res.header('Retry-After', String(retryAfter));
    return res.code(status).type('application/json').send({ code: status, message });
  };

  // Every gate that needs no body runs here, before a byte of it is read: who may talk to this
  // listener at all, then whether this export may be taken, then whether its body fits.
  app.addHook('onRequest', async (req, res) => {
    if (hostAllowed && !hostAllowed(req.headers.host)) return refuse(req, res, 'host', 421, MISDIRECTED_MESSAGE);
    if (!isExport(req)) return;
    if (!tokens.accepts(req.headers.authorization)) {
      return refuse(req, res, 'unauthorized', 401, 'missing or unknown ingest token: send Authorization: Bearer <token>');
    }
    const length = Number(req.headers['content-length'] ?? 0);
    // An oversized body announced by Content-Length: answering before the sender finished writing
    // races its socket (node:http exporters then see EPIPE, which they retry forever), so a body
    // of up to 8× the limit is read and dropped (not kept) first; anything larger is refused at once.
    if (length > maxBodyBytes) {
      spansRejected.inc({ reason: 'too_large' });
      if (length <= maxBodyBytes * 8) {
        await new Promise<void>((done) => {
          req.raw.once('end', done).once('error', () => done()).once('close', done);
          req.raw.resume();
        });
      }
      return reply(res, encodingHint(req), 413, `body is larger than ${maxBodyBytes} bytes; send smaller batches`);
    }
    // A body without Content-Length (chunked) takes its share as its bytes arrive.
    const hold = inflight.hold(Number.isFinite(length) ? length : 0);
    if (!hold) {
      spansRejected.inc({ reason: 'saturated' });
      const full = inflightFullError();
      return refuse(req, res, 'inflight_bytes', 429, full.message, full.retryAfterSeconds);
    }
    holds.set(req.raw, hold);
    // However the request ends (answered, failed, the client gone), its share goes back.
    res.raw.once('close', () => hold.release());
  });

  app.post('/v1/traces', async (req: FastifyRequest, res: FastifyReply) => {
    let encoding: OtlpEncoding = 'json';
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    req.body = undefined;
    try {
      let stored: Promise<ExportResult>;
      try {
        encoding = encodingOf(req.headers['content-type']);
        const body = await decompress(raw, req.headers['content-encoding'], maxDecompressedBytes);
        // Decoded synchronously, rows encoded by the sink: a request waiting for its batch holds
        // neither its body nor an object graph.
        stored = storeRows(toRows(body, encoding, options.normalize), options.spans);
      } finally {
        // Decoded, undecodable or refused: every string and id has been copied out of it, and its
        // memory can take the next request before this one's batch is written.
        bodies.release(raw);
        holds.get(req.raw)?.release();
      }
      const result = await stored;
      requestsTotal.inc({ status: '200' });
      const partial = result.rejectedSpans > 0 ? { partialSuccess: { rejectedSpans: result.rejectedSpans, errorMessage: result.errorMessage } } : {};
      if (encoding === 'protobuf') {
        const buf = ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create(partial)).finish();
        return res.code(200).type('application/x-protobuf').send(Buffer.from(buf));
      }
      return res
        .code(200)
        .type('application/json')
        .send(result.rejectedSpans > 0 ? { partialSuccess: { rejectedSpans: String(result.rejectedSpans), errorMessage: result.errorMessage } } : {});
    } catch (err) {
      return replyError(res, encoding, err);
    }
  });

  const replyError = (res: FastifyReply, encoding: OtlpEncoding, err: unknown): FastifyReply => {
    if (err instanceof SaturatedError) {
      spansRejected.inc({ reason: 'saturated' });
      return reply(res, encoding, 429, err.message, err.retryAfterSeconds);
    }
    if (err instanceof UnavailableError) return reply(res, encoding, 503, err.message, err.retryAfterSeconds);
    if (err instanceof EgressWatchError) {
      const status = STATUS_BY_CODE[err.code];
      if (status !== undefined) {
        spansRejected.inc({ reason: status === 413 ? 'too_large' : status === 503 ? 'store_error' : 'decode' });
        // A failed insert is logged by the writer; its engine text is not every sender's business.
        const message = status === 503 ? 'the store did not take this batch; retry later' : err.message;
        return reply(res, encoding, status, message, status === 503 ? 5 : undefined);
      }
    }
    log.error({ err: (err as Error).message }, 'unexpected error on /v1/traces');
    return reply(res, encoding, 500, 'internal error; see the collector log');
  };

  // Fastify's own errors (body over bodyLimit, malformed request) in the OTLP error shape.
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, res) => {
    const encoding: OtlpEncoding = (req.headers['content-type'] ?? '').includes('protobuf') ? 'protobuf' : 'json';
    if (err instanceof EgressWatchError) return replyError(res, encoding, err);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      spansRejected.inc({ reason: 'too_large' });
      return reply(res, encoding, 413, `body is larger than ${maxBodyBytes} bytes; send smaller batches`);
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply(res, encoding, status, status === 500 ? 'internal error; see the collector log' : err.message);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const ready = options.isReady?.() ?? true;
    return res.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', queue_spans: options.spans.queueDepth });
  });
  app.get('/metrics', async (_req, res) => {
    queueDepth.set(options.spans.queueDepth);
    inflightBodyBytes.set(inflight.bytes);
    return res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  await options.routes?.(app);

  let url: string | undefined;
  return {
    app,
    listen: async () => {
      await app.listen({ host, port });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
      if (tokens.open) log.warn({ url }, 'no ingest tokens configured: listening on loopback only, without authentication');
      log.info({ url }, 'collector listening');
      return url;
    },
    close: async () => {
      await app.close();
    },
  };
}

const STATUS_BY_CODE: Record<string, number> = {
  EW_ERR_DECODE: 400,
  EW_ERR_PAYLOAD_TOO_LARGE: 413,
  EW_ERR_MEDIA_TYPE: 415,
  EW_ERR_STORE: 503,
  EW_ERR_UNAVAILABLE: 503,
};
