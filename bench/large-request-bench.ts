/**
 * `npm run bench:large`: does one maximal OTLP request stall the collector?
 *
 *   1. decode cost: CPU µs per span of `decodeJson` and `decodeProtobuf` on 512-span requests
 *      (the bench payloads of bench:ingest), in this process;
 *   2. stall: `egresswatch start` in a child process; for each encoding one request as large as
 *      the default limits allow (64 MiB once inflated, sent gzip, well under 8 MiB on the wire)
 *      is posted while a loop asks `/healthz` every 10 ms. Reported: the slowest `/healthz`
 *      answer during the request (target ≤ 100 ms), and how long the request itself took.
 *
 * Env: BENCH_LARGE_MB (inflated size of the large requests, default 62: the fixtures' spans land
 * just under the 64 MiB limit), BENCH_LARGE_ROUNDS (large requests per encoding, default 2).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { decodeJson } from '../common/otlp-spans.js';
import { decodeProtobuf } from '../collector/otlp-protobuf.js';
import { ExportTraceServiceRequest } from '../collector/otlp-schema.js';
import { protobufBatch } from './span-fixtures.js';
import { startedInstanceUrl } from './started-instance.js';

const LARGE_BYTES = Number(process.env['BENCH_LARGE_MB'] ?? 62) * 1024 * 1024;
const ROUNDS = Number(process.env['BENCH_LARGE_ROUNDS'] ?? 2);
const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', 'cli', 'main.js');

type JsonRequest = { resourceSpans: { resource?: unknown; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };

/** The OTLP/JSON form of a bench protobuf request, as the OTel JSON exporter writes it (hex ids). */
function jsonOf(body: Uint8Array): JsonRequest {
  const message = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String }) as JsonRequest;
  for (const rs of message.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        span['traceId'] = Buffer.from(span['traceId'] as string, 'base64').toString('hex');
        span['spanId'] = Buffer.from(span['spanId'] as string, 'base64').toString('hex');
      }
    }
  }
  return message;
}

/** One request of as many bench spans as fit in `bytes` once inflated, both encodings. */
function largeRequests(bytes: number): { spans: number; json: Buffer; protobuf: Buffer } {
  const first = jsonOf(protobufBatch(512, 0));
  const jsonBytesPerSpan = JSON.stringify(first).length / 512;
  const spans: Record<string, unknown>[] = [];
  for (let seed = 0; spans.length < bytes / jsonBytesPerSpan - 512; seed++) spans.push(...jsonOf(protobufBatch(512, seed)).resourceSpans[0]!.scopeSpans[0]!.spans);
  const resource = first.resourceSpans[0]!.resource;
  const json = Buffer.from(JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ spans }] }] }));
  // Protobuf spans are smaller: repeat the list until the body is as large as the JSON one.
  const wire = spans.map((s) => ({ ...s, traceId: Buffer.from(s['traceId'] as string, 'hex'), spanId: Buffer.from(s['spanId'] as string, 'hex') }));
  const perSpan = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource, scopeSpans: [{ spans: wire }] }] })).finish().length / wire.length;
  const many = Array.from({ length: Math.floor(bytes / perSpan) - 64 }, (_, i) => wire[i % wire.length]!);
  const protobuf = Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource, scopeSpans: [{ spans: many }] }] })).finish());
  return { spans: spans.length, json, protobuf };
}

/** CPU µs per span of each decoder over 512-span requests (warm). */
function decodeMicros(): { json: number; protobuf: number } {
  const protobuf = Array.from({ length: 16 }, (_, i) => Buffer.from(protobufBatch(512, i)));
  const json = protobuf.map((b) => Buffer.from(JSON.stringify(jsonOf(b))));
  const measure = (decode: (body: Buffer) => unknown, bodies: Buffer[]): number => {
    for (let i = 0; i < 50; i++) decode(bodies[i % bodies.length]!);
    const before = process.cpuUsage();
    for (let i = 0; i < 200; i++) decode(bodies[i % bodies.length]!);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / (200 * 512);
  };
  return { json: measure(decodeJson, json), protobuf: measure(decodeProtobuf, protobuf) };
}

interface Stall {
  status: number;
  requestMs: number;
  polls: number;
  maxHealthzMs: number;
  p99HealthzMs: number;
}

async function stalls(bodies: { json: Buffer; protobuf: Buffer }): Promise<{ encoding: string; inflatedMb: number; gzipMb: number; runs: Stall[] }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ew-bench-large-'));
  const child = spawn(process.execPath, [cli, 'start', '--port', '0'], {
    env: { ...process.env, EGRESSWATCH_DATA_DIR: dir, EGRESSWATCH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await startedInstanceUrl(child, dir, 30_000);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const send = (method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(`${url}${path}`, { method, agent, headers: body ? { ...headers, 'content-length': String(body.length) } : headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${path}: no answer in 120 s`)));
        req.end(body);
      });
    const results = [];
    for (const [encoding, inflated, type] of [
      ['json', bodies.json, 'application/json'],
      ['protobuf', bodies.protobuf, 'application/x-protobuf'],
    ] as const) {
      const gzip = gzipSync(inflated);
      const runs: Stall[] = [];
      // Warm-up: JIT, the decoder, and (after the change) the decode worker.
      await send('POST', '/v1/traces', gzipSync(encoding === 'json' ? Buffer.from(JSON.stringify(jsonOf(protobufBatch(512, 99)))) : Buffer.from(protobufBatch(512, 99))), { 'content-type': type, 'content-encoding': 'gzip' });
      for (let round = 0; round < ROUNDS; round++) {
        const latencies: number[] = [];
        let done = false;
        const poller = (async () => {
          while (!done) {
            const t0 = performance.now();
            await send('GET', '/healthz');
            const ms = performance.now() - t0;
            latencies.push(ms);
            await new Promise((r) => setTimeout(r, Math.max(0, 10 - ms)));
          }
        })();
        await new Promise((r) => setTimeout(r, 50));
        const t0 = performance.now();
        const status = await send('POST', '/v1/traces', gzip, { 'content-type': type, 'content-encoding': 'gzip' });
        const requestMs = performance.now() - t0;
        done = true;
        await poller;
        latencies.sort((a, b) => a - b);
        process.stderr.write(`${encoding} round ${round + 1}: ${status} after ${requestMs.toFixed(0)} ms\n`);
        runs.push({ status, requestMs, polls: latencies.length, maxHealthzMs: latencies.at(-1) ?? 0, p99HealthzMs: latencies[Math.floor(latencies.length * 0.99)] ?? 0 });
        // Let the batch of this request be written before the next one.
        await new Promise((r) => setTimeout(r, 2_000));
      }
      results.push({ encoding, inflatedMb: inflated.length / 1048576, gzipMb: gzip.length / 1048576, runs });
    }
    agent.destroy();
    return results;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const micros = decodeMicros();
const bodies = largeRequests(LARGE_BYTES);
const results = await stalls(bodies);
const lines = [
  `large-request benchmark, ${new Date().toISOString()}`,
  `  decode CPU per span, 512-span requests:  JSON ${micros.json.toFixed(1)} µs, protobuf ${micros.protobuf.toFixed(1)} µs`,
  ...results.flatMap(({ encoding, inflatedMb, gzipMb, runs }) =>
    runs.map(
      (r) =>
        `  ${encoding.padEnd(8)} ${inflatedMb.toFixed(1)} MiB inflated (${gzipMb.toFixed(1)} MiB gzip): status ${r.status} after ${r.requestMs.toFixed(0)} ms; ` +
        `/healthz max ${r.maxHealthzMs.toFixed(1)} ms, p99 ${r.p99HealthzMs.toFixed(1)} ms over ${r.polls} polls (target max <= 100 ms)`,
    ),
  ),
];
process.stdout.write(lines.join('\n') + '\n');
