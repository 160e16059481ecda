/**
 * `npm run bench:soak`: does `egresswatch start` keep its memory flat under sustained load?
 *
 * A fresh `start` (embedded store) in a child process gets OTLP requests at a fixed rate for a
 * while; every BENCH_SAMPLE_SECONDS the child itself (bench/soak-probe.ts, loaded with
 * `--import`) records its RSS, V8 heap, external memory and the engine's own figures. Printed: a
 * table of the samples (one row a minute, with the peak RSS within it), the peak RSS of the whole
 * run (target <= 512 MB) and the mean RSS of the last 10 minutes against the 10 minutes before
 * (target within ±5 %: no trend). Runs shorter than 20 minutes compare their two last halves.
 *
 * The rate is fixed, about half of what bench:ingest reaches on the same machine, so the pipeline
 * keeps up and what grows is what it holds, not a queue.
 *
 * Env: BENCH_SOAK_MINUTES (default 20), BENCH_RATE (spans/s, default 5 000: bench:ingest reached
 * ~10k spans/s on the shared 2-core box, 2026-12-04), BENCH_ENCODING (`protobuf` or `json`,
 * default protobuf), BENCH_BATCH (spans per request, default 2 000), BENCH_SAMPLE_SECONDS
 * (default 15), BENCH_TAIL_SECONDS (sampling after the load stops, default 60), BENCH_CONFIG (an
 * egresswatch.yaml for the child, e.g. other `clickhouse.embedded_memory`), BENCH_NODE_FLAGS (node
 * flags for the child, space-separated, e.g. `--max-semi-space-size=4`), BENCH_SAMPLES_OUT (keep
 * the raw samples, JSON lines, at this path). The child inherits the environment, so
 * MALLOC_ARENA_MAX and JE_MALLOC_CONF set for the bench are the child's; MALLOC_ARENA_MAX is 2
 * unless set, as `npm start` runs `start`.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { SoakSample } from './soak-probe.js';
import { requestPair } from './request-fixtures.js';
import { startedInstanceUrl } from './started-instance.js';

const MINUTES = Number(process.env['BENCH_SOAK_MINUTES'] ?? 20);
const RATE = Number(process.env['BENCH_RATE'] ?? 5_000);
const ENCODING = process.env['BENCH_ENCODING'] === 'json' ? 'json' : 'protobuf';
const BATCH = Number(process.env['BENCH_BATCH'] ?? 2_000);
const SAMPLE_SECONDS = Number(process.env['BENCH_SAMPLE_SECONDS'] ?? 15);
const TAIL_SECONDS = Number(process.env['BENCH_TAIL_SECONDS'] ?? 60);
const CONFIG = process.env['BENCH_CONFIG'];
const NODE_FLAGS = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
const SAMPLES_OUT = process.env['BENCH_SAMPLES_OUT'];
/** Requests in flight at most; past it a request due is late (counted), not piled up. */
const MAX_IN_FLIGHT = 8;

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', 'cli', 'main.js');
const probe = join(here, 'soak-probe.js');
const MB = 1024 * 1024;
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

/** Fresh request bodies now and then, so span times move with the run (the engine partitions and sorts by them). */
function bodies(): Buffer[] {
  return Array.from({ length: 8 }, (_, i) => gzipSync(requestPair(BATCH, i)[ENCODING]));
}

async function run(): Promise<{ samples: SoakSample[]; loadStart: string; loadEnd: string; sent: number; acked: number; failed: number; late: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ew-bench-soak-'));
  const samplesFile = join(dir, 'samples.jsonl');
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', probe, cli, 'start', '--port', '0', ...(CONFIG ? ['--config', CONFIG] : [])], {
    env: {
      // As `npm start` runs it (package.json): glibc's arenas capped unless the bench is told otherwise.
      MALLOC_ARENA_MAX: '2',
      ...process.env,
      EGRESSWATCH_DATA_DIR: dir,
      EGRESSWATCH_LOG_LEVEL: 'warn',
      EGRESSWATCH_SOAK_SAMPLES: samplesFile,
      EGRESSWATCH_SOAK_INTERVAL_MS: String(SAMPLE_SECONDS * 1000),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await startedInstanceUrl(child, dir);
    // One sample of the idle process before the load.
    await new Promise((r) => setTimeout(r, SAMPLE_SECONDS * 1000 + 500));

    const agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
    const headers = { 'content-type': ENCODING === 'json' ? 'application/json' : 'application/x-protobuf', 'content-encoding': 'gzip' };
    const send = (body: Buffer): Promise<number> =>
      new Promise((resolve) => {
        const req = request(`${url}/v1/traces`, { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.end(body);
      });

    const loadStart = load();
    const intervalMs = (BATCH / RATE) * 1000;
    const started = performance.now();
    const stopAt = started + MINUTES * 60_000;
    let pool = bodies();
    let poolAt = started;
    let sent = 0;
    let acked = 0;
    let failed = 0;
    let late = 0;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    for (let i = 0; ; i++) {
      const due = started + i * intervalMs;
      if (due >= stopAt) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (performance.now() - poolAt > 5 * 60_000) {
        pool = bodies();
        poolAt = performance.now();
      }
      if (inFlight >= MAX_IN_FLIGHT) {
        late++;
        continue;
      }
      inFlight++;
      sent += BATCH;
      const p: Promise<void> = send(pool[i % pool.length]!).then((status) => {
        inFlight--;
        if (status === 200) acked += BATCH;
        else failed++;
        pending.delete(p);
      });
      pending.add(p);
    }
    await Promise.all(pending);
    const seconds = (performance.now() - started) / 1000;
    const loadEnd = load();
    agent.destroy();
    await new Promise((r) => setTimeout(r, TAIL_SECONDS * 1000));
    if (SAMPLES_OUT) copyFileSync(samplesFile, SAMPLES_OUT);
    const samples = readFileSync(samplesFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SoakSample);
    return { samples, loadStart, loadEnd, sent, acked, failed, late, seconds };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const quantile = (xs: readonly number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const mb = (bytes: number | undefined): string => ((bytes ?? 0) / MB).toFixed(0);

const startedAt = new Date();
const r = await run();
const t0 = r.samples[0]?.at ?? 0;
const loadEndsAt = t0 + SAMPLE_SECONDS * 1000 + r.seconds * 1000;
const underLoad = r.samples.filter((s) => s.at > t0 && s.at <= loadEndsAt + 1000);

// One row a minute: the last sample of the minute, with the highest RSS sampled in it; the first
// sample (idle, before the load) is a row of its own.
const rows: string[] = [];
const byMinute = new Map<number, SoakSample[]>();
for (const s of r.samples) {
  const minute = s.at === t0 ? -1 : Math.floor((s.at - t0) / 60_000);
  const group = byMinute.get(minute);
  if (group) group.push(s);
  else byMinute.set(minute, [s]);
}
for (const [minute, group] of byMinute) {
  const last = group.at(-1)!;
  const e = last.engine;
  const m = last.smaps;
  rows.push(
    `| ${minute < 0 ? 'idle' : minute} | ${mb(Math.max(...group.map((s) => s.rss)))} | ${mb(last.rss)} | ${mb(m?.chdbFile)} | ${mb(m?.v8Pages)} | ${mb(m?.glibcMain)} / ${mb(m?.glibcThreadArenas)} | ` +
      `${mb(e?.allocatedBytes)} / ${mb(e?.residentBytes)} | ${mb(m?.otherAnon)} | ${mb(last.heapUsed)} / ${mb(last.heapTotal)} | ${mb(last.external)} | ${mb(e?.trackedBytes)} | ${mb(e?.markCacheBytes)} | ${e?.activeParts ?? ''} | ${mb(e?.mergesBytes)} |${last.at > loadEndsAt ? ' after load' : ''}`,
  );
}


// Trend: the mean RSS of the last 10 minutes of load against the 10 before (halves of the rest when shorter).
const windowMs = Math.min(10 * 60_000, (r.seconds * 1000) / 2 - 60_000);
const last = underLoad.filter((s) => s.at > loadEndsAt - windowMs);
const before = underLoad.filter((s) => s.at > loadEndsAt - 2 * windowMs && s.at <= loadEndsAt - windowMs);
const change = (mean(last.map((s) => s.rss)) / mean(before.map((s) => s.rss)) - 1) * 100;
const peak = Math.max(...r.samples.map((s) => s.peakRss));

const lines = [
  `soak benchmark, ${startedAt.toISOString()}, ${ENCODING}, ${MINUTES} min at ${RATE.toLocaleString('en-US')} spans/s (${BATCH.toLocaleString('en-US')}-span requests, gzip), ` +
    `samples every ${SAMPLE_SECONDS} s; load average ${r.loadStart} at the start, ${r.loadEnd} at the end`,
  `  sent ${r.sent.toLocaleString('en-US')} spans, acknowledged ${r.acked.toLocaleString('en-US')} (${(r.acked / r.seconds).toFixed(0)} spans/s), ${r.failed} requests failed, ${r.late} skipped (${MAX_IN_FLIGHT} in flight)`,
  '',
  `  child: node ${[...NODE_FLAGS, 'start', ...(CONFIG ? ['--config', CONFIG] : [])].join(' ')}; MALLOC_ARENA_MAX=${process.env['MALLOC_ARENA_MAX'] ?? '2 (as npm start)'} JE_MALLOC_CONF=${process.env['JE_MALLOC_CONF'] ?? '(unset)'}`,
  '',
  'MB; minute 0 starts with the idle process. chDB code, V8 pages, glibc and other anon are by mapping (bench/smaps-breakdown.ts), all threads;',
  'V8 heap and external are the main thread\'s; the engine allocator (jemalloc) resident is part of other anon.',
  '',
  '| minute | RSS max | RSS | chDB code | V8 pages | glibc main / threads | engine allocator allocated / resident | other anon | V8 heap used / total (main) | external | engine tracked | mark cache | parts | merges |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `  peak RSS (VmHWM) over the run: ${mb(peak)} MB (target <= 512); RSS under load sampled: median ${mb(quantile(underLoad.map((s) => s.rss), 0.5))}, max ${mb(quantile(underLoad.map((s) => s.rss), 1))} MB`,
  `  under load, median / max MB: ${(['chdbFile', 'v8Pages', 'glibcMain', 'glibcThreadArenas', 'otherAnon'] as const).map((k) => `${k} ${mb(quantile(underLoad.map((s) => s.smaps?.[k] ?? 0), 0.5))} / ${mb(quantile(underLoad.map((s) => s.smaps?.[k] ?? 0), 1))}`).join(', ')}, ` +
    `allocator resident ${mb(quantile(underLoad.map((s) => s.engine?.residentBytes ?? 0), 0.5))} / ${mb(quantile(underLoad.map((s) => s.engine?.residentBytes ?? 0), 1))}`,
  `  mean RSS, last ${(windowMs / 60_000).toFixed(1)} min of load ${mb(mean(last.map((s) => s.rss)))} MB against the ${(windowMs / 60_000).toFixed(1)} min before ${mb(mean(before.map((s) => s.rss)))} MB: ${change >= 0 ? '+' : ''}${change.toFixed(1)} % (target within ±5 %)`,
];
process.stdout.write(lines.join('\n') + '\n');
