import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConfigError, EgressWatchError, SaturatedError, UnavailableError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { metricsRegistry, queueDepth, requestsTotal, spansRejected, startProcessMetrics } from './metrics.js';
import type { NormalizeOptions } from './normalize.js';
import { BodyBuffers } from './body-buffers.js';
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

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The OTLP/HTTP receiver plus health, readiness and metrics endpoints. */
export async function createCollectorServer(options: CollectorServerOptions): Promise<CollectorServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4318;
  const tokens = (options.ingestTokens ?? []).map(sha256);
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const maxDecompressedBytes = options.maxDecompressedBytes ?? 64 * 1024 * 1024;
  if (tokens.length === 0 && !LOOPBACK.test(host)) {
    throw new ConfigError(
      `refusing to listen on ${host} without ingest tokens: anyone who can reach it could write spans. Set EGRESSWATCH_INGEST_TOKENS (or collector.ingest_tokens) or listen on 127.0.0.1`,
    );
  }
  startProcessMetrics();

  const app = Fastify({ logger: false, bodyLimit: maxBodyBytes, return503OnClosing: true, forceCloseConnections: 'idle' });
  app.removeAllContentTypeParsers();
  const bodies = new BodyBuffers();
  app.addContentTypeParser('*', (_req: FastifyRequest, payload: IncomingMessage) => bodies.read(payload, maxBodyBytes));

  const reply = (res: FastifyReply, encoding: OtlpEncoding, status: number, message: string, retryAfter?: number): FastifyReply => {
    requestsTotal.inc({ status: String(status) });
    if (retryAfter !== undefined) void res.header('Retry-After', String(retryAfter));
    if (encoding === 'protobuf') {
      const buf = RpcStatus.encode(RpcStatus.create({ code: status, message })).finish();
      return res.code(status).type('application/x-protobuf').send(Buffer.from(buf));
    }
    return res.code(status).type('application/json').send({ code: status, message });
  };

  // An oversized body announced by Content-Length: answering before the sender finished writing
  // races its socket (node:http exporters then see EPIPE, which they retry forever), so a body
  // of up to 8× the limit is read and dropped first; anything larger is refused at once.
  app.addHook('onRequest', async (req, res) => {
    if (req.method !== 'POST' || req.url.split('?', 1)[0] !== '/v1/traces') return;
    const length = Number(req.headers['content-length'] ?? 0);
    if (!(length > maxBodyBytes)) return;
    spansRejected.inc({ reason: 'too_large' });
    if (length <= maxBodyBytes * 8) {
      await new Promise<void>((done) => {
        req.raw.once('end', done).once('error', () => done()).once('close', done);
        req.raw.resume();
      });
    }
    const encoding: OtlpEncoding = (req.headers['content-type'] ?? '').includes('protobuf') ? 'protobuf' : 'json';
    return reply(res, encoding, 413, `body is larger than ${maxBodyBytes} bytes; send smaller batches`);
  });

  app.post('/v1/traces', async (req: FastifyRequest, res: FastifyReply) => {
    let encoding: OtlpEncoding = 'json';
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    req.body = undefined;
    try {
      let stored: Promise<ExportResult>;
      try {
        if (tokens.length > 0) {
          const header = req.headers.authorization ?? '';
          const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
          const hash = presented ? sha256(presented) : undefined;
          if (!hash || !tokens.some((t) => timingSafeEqual(t, hash))) {
            return reply(res, encoding, 401, 'missing or unknown ingest token: send Authorization: Bearer <token>');
          }
        }
        encoding = encodingOf(req.headers['content-type']);
        const body = await decompress(raw, req.headers['content-encoding'], maxDecompressedBytes);
        // Decoded synchronously, rows encoded by the sink: a request waiting for its batch holds
        // neither its body nor an object graph.
        stored = storeRows(toRows(body, encoding, options.normalize), options.spans);
      } finally {
        // Decoded, undecodable or refused: every string and id has been copied out of it, and its
        // memory can take the next request before this one's batch is written.
        bodies.release(raw);
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
      if (tokens.length === 0) log.warn({ url }, 'no ingest tokens configured: listening on loopback only, without authentication');
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
