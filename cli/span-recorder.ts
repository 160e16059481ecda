import { appendFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DecodeError, EgressWatchError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../common/errors.js';
import { tracesDataJson } from '../common/otlp-json-encode.js';
import { decodeJson, type DecodedResourceSpans } from '../common/otlp-spans.js';
import { decompress, encodingOf } from '../collector/otlp-handler.js';
import { decodeProtobuf } from '../collector/otlp-protobuf.js';
import { RpcStatus } from '../collector/otlp-schema.js';

/** Options of a span recorder; every field but `outFile` has a default. */
export interface SpanRecorderOptions {
  /** Where the OTLP/JSON lines go; emptied at start. */
  outFile: string;
  /** Default 127.0.0.1: CI runs the tests on the same machine. */
  host?: string;
  /** Default 4318, the OTLP/HTTP port OTel SDKs send to by default. 0 picks a free one. */
  port?: number;
  /** Largest request body, compressed or not. Default 64 MiB. */
  maxBodyBytes?: number;
}

/** A running recorder. */
export interface SpanRecorder {
  /** `http://host:port`, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Spans and export requests written so far. */
  counts(): { spans: number; requests: number };
  /** Stops taking requests and waits until every accepted one is written. */
  close(): Promise<void>;
}

/** The OTLP status codes of the answers below (google.rpc.Code). */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

/**
 * A tiny OTLP/HTTP receiver for CI: `POST /v1/traces` in protobuf or JSON (gzip or not), decoded
 * by the collector's own decoders, appended to `outFile` as OTLP/JSON lines (one TracesData per
 * request) and answered 200 only once the line is written — when a test's exporter has flushed,
 * its spans are on disk for `policy check --spans`. Nothing is stored or judged here.
 */
export async function startSpanRecorder(options: SpanRecorderOptions): Promise<SpanRecorder> {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  await writeFile(options.outFile, '');
  let spans = 0;
  let requests = 0;
  // Appends in arrival order; each answer waits for its own line.
  let written: Promise<unknown> = Promise.resolve();
  const append = (line: string): Promise<void> => {
    const next = written.then(() => appendFile(options.outFile, line + '\n'));
    written = next.catch(() => undefined);
    return next;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/healthz') return answer(res, 200, 'json', {});
    if (path !== '/v1/traces') return answer(res, 404, 'json', { code: 5, message: 'this recorder takes OTLP/HTTP traces on POST /v1/traces only' });
    if (req.method !== 'POST') return answer(res, 405, 'json', { code: 12, message: 'POST OTLP traces to /v1/traces' });
    let encoding: 'protobuf' | 'json' = 'json';
    try {
      encoding = encodingOf(req.headers['content-type']);
      const body = await decompress(await readBody(req, maxBodyBytes), req.headers['content-encoding'], maxBodyBytes);
      const decoded: DecodedResourceSpans[] = encoding === 'json' ? decodeJson(body) : decodeProtobuf(body);
      const count = decoded.reduce((n, rs) => n + rs.spans.length, 0);
      if (count > 0) await append(JSON.stringify(tracesDataJson(decoded)));
      spans += count;
      requests++;
      return answer(res, 200, encoding, {});
    } catch (err) {
      const status = err instanceof PayloadTooLargeError ? 413 : err instanceof UnsupportedMediaTypeError ? 415 : err instanceof DecodeError ? 400 : 500;
      const message = err instanceof EgressWatchError ? err.message : `could not record the spans: ${(err as Error).message}`;
      return answer(res, status, encoding, { code: status === 413 ? RESOURCE_EXHAUSTED : INVALID_ARGUMENT, message });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4318, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    counts: () => ({ spans, requests }),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await written;
    },
  };
}

/** The body, refused (413) past `maxBytes` before it is all in memory. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) {
        req.destroy();
        reject(new PayloadTooLargeError(`body over ${maxBytes} bytes; send smaller batches`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** OTLP/HTTP answers in the request's encoding: an empty ExportTraceServiceResponse, or a google.rpc.Status. */
function answer(res: ServerResponse, status: number, encoding: 'protobuf' | 'json', body: { code?: number; message?: string }): void {
  if (encoding === 'protobuf') {
    const bytes = status === 200 ? new Uint8Array() : RpcStatus.encode(RpcStatus.create(body)).finish();
    res.writeHead(status, { 'content-type': 'application/x-protobuf', 'content-length': bytes.length });
    res.end(bytes);
    return;
  }
  const text = JSON.stringify(status === 200 ? {} : body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
