/**
 * `npm run bench:ingest`: end-to-end OTLP ingest against the embedded pipeline, measured
 * against the bare insert rate of the same store in the same run (the machine is shared and
 * noisy, so only the ratio is comparable across runs).
 *
 *   1. reference: a child process inserts span-like rows in 2,000-row batches (store alone);
 *   2. pipeline: `egresswatch start` in a child process; this process sends OTLP protobuf
 *      batches of 512 spans over loopback and counts acknowledged spans;
 *   3. for where the time goes: the collector's per-span JavaScript (decode, normalise, encode)
 *      on the same payloads in this process, without HTTP or the engine, and the pipeline's CPU
 *      per thread during the run (Linux /proc).
 *
 * Env: BENCH_SPANS (default 400 000), BENCH_CONCURRENCY (default 16), BENCH_PROFILE_DIR (write a
 * V8 CPU profile of the pipeline process there).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRows } from '../collector/decode-rows.js';
import { encodeSpans } from '../storage/span-writer.js';
import { protobufBatch } from './span-fixtures.js';

const TOTAL = Number(process.env['BENCH_SPANS'] ?? 400_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const BATCH = 512;
/** The OTLP requests both halves send: 32 distinct bodies of BATCH spans, reused round-robin. */
const payloads = Array.from({ length: 32 }, (_, i) => Buffer.from(protobufBatch(BATCH, i)));
const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', 'cli', 'main.js');

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

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function pipeline(): Promise<{
  spansPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  idleRssMb: number;
  failures: number;
  threads: string;
  senderPercent: number;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'ew-bench-e2e-'));
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, cli, 'start', '--port', '0'], {
    env: { ...process.env, EGRESSWATCH_DATA_DIR: dir, EGRESSWATCH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!out.includes('egresswatch is running') || !existsSync(join(dir, 'instance.json'))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('egresswatch start did not come up');
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = (JSON.parse(readFileSync(join(dir, 'instance.json'), 'utf8')) as { url: string }).url;
    const idleRssMb = peakRssMb(child.pid!);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const send = (body: Buffer): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(`${url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    // Warm-up: JIT, first parts, connection pool.
    await Promise.all(payloads.slice(0, CONCURRENCY).map(send));

    const requests = Math.ceil(TOTAL / BATCH);
    const latencies: number[] = [];
    let next = 0;
    let acked = 0;
    let failures = 0;
    const threadsBefore = threadTicks(child.pid!);
    const senderBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests) {
          const i = next++;
          const t0 = performance.now();
          const status = await send(payloads[i % payloads.length]!);
          latencies.push(performance.now() - t0);
          if (status === 200) acked += BATCH;
          else failures++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const threads = busiestThreads(threadsBefore, threadTicks(child.pid!), seconds);
    const sender = process.cpuUsage(senderBefore);
    const senderPercent = (sender.user + sender.system) / 1e4 / seconds;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    return { spansPerSecond: acked / seconds, p50Ms: q(0.5), p99Ms: q(0.99), peakRssMb: peakRssMb(child.pid!), idleRssMb, failures, threads, senderPercent };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU µs per span of decode + normalise + encode (Native) over the bench payloads. */
function collectorJsMicros(): number {
  const options = { configVendors: [], ignoreHosts: [], maxAgeMs: 30 * 86_400_000 };
  const run = (requests: number): number => {
    let spans = 0;
    for (let i = 0; i < requests; i++) {
      const { rows } = decodeRows(payloads[i % payloads.length]!, 'protobuf', options, Date.now());
      spans += encodeSpans({ scratchDir: 'unused' }, rows).rows;
    }
    return spans;
  };
  run(100); // warm-up: JIT and the decoder's caches
  const before = process.cpuUsage();
  const spans = run(400);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / spans;
}

const jsMicros = collectorJsMicros();
const ref = reference();
const e2e = await pipeline();
const ratio = e2e.spansPerSecond / ref.rowsPerSecond;
const lines = [
  `ingest benchmark, ${new Date().toISOString()}, ${TOTAL} spans, batches of ${BATCH}, concurrency ${CONCURRENCY}`,
  `  store alone (2,000-row inserts, @clickhouse/client + chDB):  ${Math.round(ref.rowsPerSecond).toLocaleString('en-US')} rows/s`,
  `  end-to-end acknowledged (OTLP protobuf over loopback):       ${Math.round(e2e.spansPerSecond).toLocaleString('en-US')} spans/s  (${e2e.failures} non-200)`,
  `  ratio end-to-end / store alone:                              ${ratio.toFixed(2)}   (target >= 0.80)`,
  `  request latency p50 / p99:                                   ${e2e.p50Ms.toFixed(1)} ms / ${e2e.p99Ms.toFixed(1)} ms`,
  `  collector JavaScript per span (decode, normalise, encode):   ${jsMicros.toFixed(1)} µs CPU (no HTTP, no engine)`,
  `  collector RSS idle / peak:                                   ${e2e.idleRssMb.toFixed(0)} MB / ${e2e.peakRssMb.toFixed(0)} MB   (target peak <= 512 MB)`,
  // chDB names its threads: queries run on ThreadPool/RuntimeData threads, merges on MergeMutate.
  `  pipeline CPU by thread, % of one core:                       ${e2e.threads}`,
  `  load generator (this process) CPU:                           ${e2e.senderPercent.toFixed(0)} % of one core`,
];
process.stdout.write(lines.join('\n') + '\n');
