/**
 * `npm run bench:ingest`: end-to-end OTLP ingest of both encodings against the embedded
 * pipeline, in one run over the same spans. The machine is shared and noisy, so what compares
 * across runs are ratios measured within one run: JSON against protobuf, and each against the
 * bare insert rate of the same store.
 *
 *   1. where the collector's CPU goes, per span and encoding, in this process without HTTP or
 *      the engine: gunzip, decode, normalise, the decode worker's handoff of rows (serialize on
 *      the worker, deserialize on the event loop) and encode (Native block);
 *   2. reference: a child process inserts span-like rows in 2,000-row batches (store alone);
 *   3. pipeline: for each encoding a fresh `egresswatch start` in a child process; this process
 *      sends the same spans as requests of BENCH_BATCH spans from BENCH_CONCURRENCY senders over
 *      loopback and counts acknowledged spans. Rounds alternate the order (JSON first, then
 *      protobuf first, …) so that a machine getting busier or quieter favours neither.
 *
 * The defaults are the issue's realistic sender: 2,000-span requests, gzip, 4 concurrent
 * exporters (what `BatchSpanProcessor` with a large batch and `concurrencyLimit` does).
 *
 * Env: BENCH_SPANS (spans per encoding and round, default 300 000), BENCH_BATCH (spans per
 * request, default 2 000), BENCH_CONCURRENCY (default 4), BENCH_GZIP (0 to send uncompressed,
 * default 1), BENCH_ROUNDS (default 2), BENCH_ENCODINGS (default `json,protobuf`),
 * BENCH_PROFILE_DIR (write a V8 CPU profile of each pipeline process there).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DecodedResourceSpans } from '../common/otlp-spans.js';
import { ROWS_PER_SLICE } from '../collector/decode-worker.js';
import { normalizeSpan } from '../collector/normalize.js';
import { decodeOtlpJson } from '../collector/otlp-json.js';
import { decodeProtobuf } from '../collector/otlp-protobuf.js';
import { encodeSpans, releaseSpanChunk, type EgressSpanRow } from '../storage/span-writer.js';
import { requestPair } from './request-fixtures.js';
import { startedInstanceUrl } from './started-instance.js';

type Encoding = 'json' | 'protobuf';

const TOTAL = Number(process.env['BENCH_SPANS'] ?? 300_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 2_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 4);
const GZIP = process.env['BENCH_GZIP'] !== '0';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const ENCODINGS = (process.env['BENCH_ENCODINGS'] ?? 'json,protobuf').split(',').map((e) => e.trim()) as Encoding[];
/** Distinct request bodies per encoding, reused round-robin (each request is decoded afresh). */
const DISTINCT = 16;
const CONTENT_TYPE: Record<Encoding, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', 'cli', 'main.js');

const pairs = Array.from({ length: DISTINCT }, (_, i) => requestPair(BATCH, i));
const inflated: Record<Encoding, Buffer[]> = { json: pairs.map((p) => p.json), protobuf: pairs.map((p) => p.protobuf) };
const wire: Record<Encoding, Buffer[]> = {
  json: inflated.json.map((b) => (GZIP ? gzipSync(b) : b)),
  protobuf: inflated.protobuf.map((b) => (GZIP ? gzipSync(b) : b)),
};

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

// ------------------------------------------------------------------ per-stage CPU, in process

interface Stages {
  inflate: number;
  decode: number;
  normalise: number;
  handoff: number;
  encode: number;
}

/** CPU µs per span of `work` over every body, after `warm` passes; best of three timed passes. */
function microsPerSpan(work: (i: number) => number, warm = 2): number {
  for (let pass = 0; pass < warm; pass++) for (let i = 0; i < DISTINCT; i++) work(i);
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const before = process.cpuUsage();
    let spans = 0;
    for (let i = 0; i < DISTINCT; i++) spans += work(i);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / spans);
  }
  return best;
}

/**
 * The collector's work per span, stage by stage, on this run's bodies. `handoff` is what a body
 * sent to the decode worker adds: its rows serialized in ROWS_PER_SLICE slices there, and read
 * back (deserialize, prototype reset) on the event loop, as decode-worker.ts / decode-thread.ts do.
 */
function stages(encoding: Encoding): Stages {
  const options = { configVendors: [], ignoreHosts: [], maxAgeMs: 30 * 86_400_000 };
  const decode = (body: Buffer): DecodedResourceSpans[] => (encoding === 'json' ? decodeOtlpJson(body) : decodeProtobuf(body));
  const normalise = (decoded: DecodedResourceSpans[]): EgressSpanRow[] => {
    const rows: EgressSpanRow[] = [];
    for (const { resource, spans } of decoded) {
      for (const span of spans) {
        const result = normalizeSpan(span, resource, options);
        if ('row' in result) rows.push(result.row);
      }
    }
    return rows;
  };
  const bodies = inflated[encoding];
  const decodedAll = bodies.map(decode);
  const rowsAll = decodedAll.map(normalise);
  const slicesAll = rowsAll.map((rows) => {
    const slices: Buffer[] = [];
    for (let at = 0; at < rows.length; at += ROWS_PER_SLICE) slices.push(serialize(rows.slice(at, at + ROWS_PER_SLICE)));
    return slices;
  });
  return {
    inflate: GZIP ? microsPerSpan((i) => (gunzipSync(wire[encoding][i]!), BATCH)) : 0,
    decode: microsPerSpan((i) => (decode(bodies[i]!), BATCH)),
    normalise: microsPerSpan((i) => normalise(decodedAll[i]!).length),
    handoff: microsPerSpan((i) => {
      const rows = rowsAll[i]!;
      for (let at = 0; at < rows.length; at += ROWS_PER_SLICE) serialize(rows.slice(at, at + ROWS_PER_SLICE));
      let n = 0;
      for (const slice of slicesAll[i]!) {
        for (const row of deserialize(slice) as EgressSpanRow[]) {
          Object.setPrototypeOf(row.attributes, null);
          n++;
        }
      }
      return n;
    }),
    encode: microsPerSpan((i) => {
      const chunk = encodeSpans({ scratchDir: 'unused' }, rowsAll[i]!);
      releaseSpanChunk(chunk);
      return chunk.rows;
    }),
  };
}

// ------------------------------------------------------------------------ store alone

function reference(): { rowsPerSecond: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ew-bench-ref-'));
  try {
    const r = spawnSync(process.execPath, [join(here, 'ingest-insert-only.js'), dir, String(TOTAL)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`reference insert failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { rowsPerSecond: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------ pipeline

/** CPU ticks (1/100 s) per thread name of a Linux process; the main thread is `main`. */
function threadTicks(pid: number): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(name, (ticks.get(name) ?? 0) + Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ticks;
}

/** Busiest thread groups between two samples, as % of one core: where the pipeline's time went. */
function busiestThreads(before: Map<string, number>, after: Map<string, number>, seconds: number): string {
  return [...after]
    .map(([name, t]) => [name === 'main' ? 'JavaScript' : name, (t - (before.get(name) ?? 0)) / seconds] as const)
    .filter(([, percent]) => percent >= 3)
    .sort((a, b) => b[1] - a[1])
    .map(([name, percent]) => `${name} ${percent.toFixed(0)} %`)
    .join(', ');
}

const sumTicks = (ticks: Map<string, number>): number => [...ticks.values()].reduce((s, t) => s + t, 0);

function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

interface Run {
  encoding: Encoding;
  spansPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  idleRssMb: number;
  failures: number;
  /** CPU of the whole `start` process (every thread, the engine's included) per acknowledged span. */
  processMicros: number;
  /** CPU of its main thread (the collector's JavaScript and the event loop) per acknowledged span. */
  mainMicros: number;
  threads: string;
  senderPercent: number;
  load: string;
  /** `/healthz` asked every 50 ms during the run: slowest answer and p99, ms. */
  healthzMaxMs: number;
  healthzP99Ms: number;
}

async function pipeline(encoding: Encoding): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'ew-bench-e2e-'));
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, cli, 'start', '--port', '0'], {
    env: { ...process.env, EGRESSWATCH_DATA_DIR: dir, EGRESSWATCH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await startedInstanceUrl(child, dir);
    const idleRssMb = statusMb(child.pid!, 'VmRSS');
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const headers = { 'content-type': CONTENT_TYPE[encoding], ...(GZIP ? { 'content-encoding': 'gzip' } : {}) };
    const send = (body: Buffer): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(`${url}/v1/traces`, { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    const bodies = wire[encoding];
    // Warm-up: JIT, the decode worker, first parts, connection pool.
    for (let i = 0; i < 2; i++) await Promise.all(bodies.slice(0, CONCURRENCY).map(send));

    const requests = Math.ceil(TOTAL / BATCH);
    const latencies: number[] = [];
    let next = 0;
    let acked = 0;
    let failures = 0;
    const loadBefore = load();
    // Whether the event loop stays free while it decodes: a probe on its own connection.
    const healthz: number[] = [];
    let running = true;
    const prober = (async () => {
      const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (running) {
        const t0 = performance.now();
        await new Promise<void>((resolve) => request(`${url}/healthz`, { agent: probeAgent }, (res) => res.resume().on('end', resolve)).on('error', () => resolve()).end());
        healthz.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
      probeAgent.destroy();
    })();
    const threadsBefore = threadTicks(child.pid!);
    const senderBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests) {
          const i = next++;
          const t0 = performance.now();
          const status = await send(bodies[i % bodies.length]!);
          latencies.push(performance.now() - t0);
          if (status === 200) acked += BATCH;
          else failures++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    running = false;
    await prober;
    healthz.sort((a, b) => a - b);
    const threadsAfter = threadTicks(child.pid!);
    const sender = process.cpuUsage(senderBefore);
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    return {
      encoding,
      spansPerSecond: acked / seconds,
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      peakRssMb: statusMb(child.pid!, 'VmHWM'),
      idleRssMb,
      failures,
      processMicros: ((sumTicks(threadsAfter) - sumTicks(threadsBefore)) * 10_000) / acked,
      mainMicros: (((threadsAfter.get('main') ?? 0) - (threadsBefore.get('main') ?? 0)) * 10_000) / acked,
      threads: busiestThreads(threadsBefore, threadsAfter, seconds),
      senderPercent: (sender.user + sender.system) / 1e4 / seconds,
      load: `${loadBefore} → ${load()}`,
      healthzMaxMs: healthz.at(-1) ?? 0,
      healthzP99Ms: healthz[Math.floor(healthz.length * 0.99)] ?? 0,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------ run

const started = new Date();
const startLoad = load();
const stageFigures = new Map(ENCODINGS.map((e) => [e, stages(e)] as const));
const ref = reference();
const runs: Run[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ENCODINGS : [...ENCODINGS].reverse();
  for (const encoding of order) {
    const run = await pipeline(encoding);
    runs.push(run);
    process.stderr.write(`round ${round + 1} ${encoding}: ${fmt(run.spansPerSecond)} spans/s, load ${run.load}\n`);
  }
}

const requestKb = (e: Encoding): string => `${(mean(inflated[e].map((b) => b.length)) / 1024).toFixed(0)} KiB${GZIP ? ` (${(mean(wire[e].map((b) => b.length)) / 1024).toFixed(0)} KiB gzip)` : ''}`;
const lines = [
  `ingest benchmark, ${started.toISOString()}, ${ENCODINGS.join(' + ')}, ${fmt(TOTAL)} spans per encoding and round, ${ROUNDS} rounds, ` +
    `${fmt(BATCH)}-span requests${GZIP ? ', gzip' : ''}, ${CONCURRENCY} senders; load average ${startLoad} (1, 5, 15 min)`,
  `  store alone (2,000-row inserts, @clickhouse/client + chDB): ${fmt(ref.rowsPerSecond)} rows/s`,
];
for (const encoding of ENCODINGS) {
  const s = stageFigures.get(encoding)!;
  const mine = runs.filter((r) => r.encoding === encoding);
  lines.push(
    `  ${encoding}, requests of ${requestKb(encoding)}:`,
    `    collector CPU per span, no HTTP, no engine:  gunzip ${s.inflate.toFixed(1)} µs (thread pool), decode ${s.decode.toFixed(1)} µs, normalise ${s.normalise.toFixed(1)} µs, ` +
      `encode ${s.encode.toFixed(1)} µs; decode worker handoff ${s.handoff.toFixed(1)} µs (bodies over 1 MiB)`,
    ...mine.map(
      (r) =>
        `    end-to-end ${fmt(r.spansPerSecond).padStart(7)} spans/s (${(r.spansPerSecond / ref.rowsPerSecond).toFixed(2)} of store alone, ${r.failures} non-200), ` +
        `p50 / p99 ${r.p50Ms.toFixed(0)} / ${r.p99Ms.toFixed(0)} ms, RSS idle / peak ${r.idleRssMb.toFixed(0)} / ${r.peakRssMb.toFixed(0)} MB (target peak <= 512), ` +
        `CPU per span ${r.processMicros.toFixed(1)} µs (main thread ${r.mainMicros.toFixed(1)}), /healthz max ${r.healthzMaxMs.toFixed(0)} ms (p99 ${r.healthzP99Ms.toFixed(0)}); load ${r.load}`,
    ),
    `    threads (% of one core), last run: ${mine.at(-1)?.threads ?? ''}; load generator ${mine.at(-1)?.senderPercent.toFixed(0) ?? ''} %`,
  );
}
if (ENCODINGS.includes('json') && ENCODINGS.includes('protobuf')) {
  // Per round, so each ratio compares two runs that stood next to each other.
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const pair = runs.slice(round * ENCODINGS.length, (round + 1) * ENCODINGS.length);
    const json = pair.find((r) => r.encoding === 'json')!;
    const protobuf = pair.find((r) => r.encoding === 'protobuf')!;
    ratios.push(json.spansPerSecond / protobuf.spansPerSecond);
  }
  lines.push(`  JSON / protobuf end-to-end, per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; mean ${mean(ratios).toFixed(2)} (target >= 0.80)`);
}
process.stdout.write(lines.join('\n') + '\n');
