/**
 * `npm run bench:scale`: the scale-out collector against a ClickHouse HTTP endpoint, one vs two
 * `egresswatch collector` processes under the same load, in one run; then one worker's detection
 * cycle over the same transport.
 *
 * The endpoint is the test one (test/support/clickhouse-endpoint.ts: the real engine behind the
 * server protocol) in a process of its own; there is no ClickHouse server on this machine. Every
 * process shares the same cores, so the figures say what one machine does with all of it, and
 * the CPU columns say where it went. Load: BENCH_CONCURRENCY requests of 512 OTLP protobuf spans
 * in flight (default 8), spread evenly over the collectors, for BENCH_SECONDS (default 20) after a
 * warm-up. Detection: BENCH_DETECT_SERIES (vendor, service) series (default 2,000, 200 vendors)
 * of 28 days of minute rollups.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DETECTION_CONFIG } from '../common/config/detection.js';
import { DetectionCache, evaluateStep } from '../detectors/evaluate-step.js';
import { migrate } from '../storage/migrate.js';
import { openStore } from '../storage/store.js';
import { protobufBatch } from './span-fixtures.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const DETECT_SERIES = Number(process.env['BENCH_DETECT_SERIES'] ?? 2_000);
const BATCH = 512;
const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', 'cli', 'main.js');
const endpointMain = join(here, '..', 'test', 'support', 'endpoint-main.js');
const payloads = Array.from({ length: 32 }, (_, i) => Buffer.from(protobufBatch(BATCH, i)));

interface Child {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** Spawns a process and waits for `ready` in its stdout; returns the match. */
async function spawnUntil(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Child & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start in 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    pid: child.pid!,
    match,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** CPU ticks (1/100 s) a Linux process has used, all threads. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface LoadResult {
  /** Mean spans per insert and mean insert time, from the collectors' /metrics over the run. */
  rowsPerInsert: number;
  insertMs: number;
  spansPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  collectorCpu: number[];
  endpointCpu: number;
  senderCpu: number;
}

/** Sums of the collectors' batch metrics: inserts, rows, seconds. */
async function batchTotals(urls: readonly string[]): Promise<{ inserts: number; rows: number; seconds: number }> {
  const totals = { inserts: 0, rows: 0, seconds: 0 };
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
    totals.inserts += value(/^egresswatch_batch_rows_count (\S+)$/m);
    totals.rows += value(/^egresswatch_batch_rows_sum (\S+)$/m);
    totals.seconds += value(/^egresswatch_batch_insert_seconds_sum\{outcome="ok"\} (\S+)$/m);
  }
  return totals;
}

/** Closed-loop load: CONCURRENCY lanes, lane i sends to collector i mod n. */
async function load(urls: readonly string[], collectorPids: readonly number[], endpointPid: number): Promise<LoadResult> {
  const batchesBefore = await batchTotals(urls);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const send = (url: string, body: Buffer): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(`${url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  const warmupEnd = performance.now() + 3_000;
  const end = warmupEnd + SECONDS * 1000;
  const latencies: number[] = [];
  let acked = 0;
  let failures = 0;
  let before: { collectors: number[]; endpoint: number; sender: NodeJS.CpuUsage } | undefined;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, lane) => {
      const url = urls[lane % urls.length]!;
      while (performance.now() < end) {
        const now = performance.now();
        if (now >= warmupEnd && !before) before = { collectors: collectorPids.map(cpuTicks), endpoint: cpuTicks(endpointPid), sender: process.cpuUsage() };
        const status = await send(url, payloads[next++ % payloads.length]!);
        const done = performance.now();
        if (now < warmupEnd || done > end) continue;
        latencies.push(done - now);
        if (status === 200) acked += BATCH;
        else failures++;
      }
    }),
  );
  agent.destroy();
  const batchesAfter = await batchTotals(urls);
  const inserts = batchesAfter.inserts - batchesBefore.inserts;
  const sender = process.cpuUsage(before!.sender);
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return {
    rowsPerInsert: (batchesAfter.rows - batchesBefore.rows) / inserts,
    insertMs: ((batchesAfter.seconds - batchesBefore.seconds) * 1000) / inserts,
    spansPerSecond: acked / SECONDS,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    failures,
    collectorCpu: collectorPids.map((pid, i) => (cpuTicks(pid) - before!.collectors[i]!) / SECONDS),
    endpointCpu: (cpuTicks(endpointPid) - before!.endpoint) / SECONDS,
    senderCpu: (sender.user + sender.system) / 1e4 / SECONDS,
  };
}

async function collectors(count: number, endpointUrl: string, endpointPid: number, dir: string): Promise<LoadResult> {
  // A database per run, so both runs insert into tables of the same size.
  const config = join(dir, `collectors-${count}.yaml`);
  writeFileSync(config, `clickhouse: { database: bench_${count} }\n`);
  const started = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      spawnUntil(
        [cli, 'collector', '--host', '127.0.0.1', '--port', '0'],
        { EGRESSWATCH_CONFIG: config, EGRESSWATCH_DATA_DIR: join(dir, `collector-${count}-${i}`), EGRESSWATCH_CLICKHOUSE_URL: endpointUrl, EGRESSWATCH_LOG_LEVEL: 'warn' },
        /listening on (http:\/\/[^\s/]+)\/v1\/traces/,
      ),
    ),
  );
  try {
    return await load(
      started.map((c) => c.match[1]!),
      started.map((c) => c.pid),
      endpointPid,
    );
  } finally {
    await Promise.all(started.map((c) => c.stop()));
  }
}

function dt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** One worker's detection cycle over the server transport: cold, then warm (median of 5). */
async function detectionCycle(endpointUrl: string): Promise<{ series: number; rows: number; generateS: number; coldS: number; warmS: number }> {
  const store = await openStore({ url: endpointUrl, database: 'bench_detect', requestTimeoutMs: 300_000 });
  try {
    await migrate(store);
    const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const days = 28;
    const dense = Math.round(DETECT_SERIES / 10);
    const t0 = Date.now();
    // As bench:detect: a tenth of the series have a row every minute, the rest every 10th.
    for (const [count, every, offset] of [
      [dense, 1, 0],
      [DETECT_SERIES - dense, 10, dense],
    ] as const) {
      await store.client.command({
        query: `INSERT INTO egress_minute
                SELECT toDateTime({start:DateTime}, 'UTC') + toIntervalMinute(intDiv(number, {count:UInt32}) * {every:UInt32}) AS minute,
                       concat('svc-', toString(intDiv(number % {count:UInt32} + {offset:UInt32}, 200))) AS service,
                       concat('vendor-', toString((number % {count:UInt32} + {offset:UInt32}) % 200)) AS vendor,
                       'api.example.com', 'POST', '/v1/things',
                       toUInt64(5 + 20 * (1 + sin(toHour(minute) / 24 * 2 * pi())) + cityHash64(number) % 5) AS calls,
                       toUInt64(cityHash64(number, 1) % 2) AS errors,
                       calls * 400, calls * 900,
                       if(minute >= {recent:DateTime}, arrayReduce('quantilesState(0.5, 0.95, 0.99)', [toUInt64(100000000 + cityHash64(number, 2) % 50000000)]),
                          arrayReduce('quantilesState(0.5, 0.95, 0.99)', emptyArrayUInt64()))
                FROM numbers({rows:UInt64})`,
        query_params: { start: dt(end - days * 86_400_000), recent: dt(end - 2 * 86_400_000), count, every, offset, rows: count * Math.floor((days * 1440) / every) },
      });
    }
    const [generated] = await (await store.client.query({ query: 'SELECT count() AS n FROM egress_minute', format: 'JSONEachRow' })).json<{ n: number }>();
    const generateS = (Date.now() - t0) / 1000;
    const settings = { detection: DEFAULT_DETECTION_CONFIG, vendors: {} };
    const cache = new DetectionCache({ refreshInBackground: true });
    const stepEnd = end - 3_600_000 + 5 * 60_000 + 30_000;
    let t = Date.now();
    await evaluateStep(store, { stepEnd }, settings, cache);
    const coldS = (Date.now() - t) / 1000;
    const warm: number[] = [];
    for (let i = 1; i <= 5; i++) {
      t = Date.now();
      await evaluateStep(store, { stepEnd: stepEnd + i * 60_000 }, settings, cache);
      warm.push((Date.now() - t) / 1000);
    }
    warm.sort((a, b) => a - b);
    return { series: DETECT_SERIES, rows: Number(generated?.n ?? 0), generateS, coldS, warmS: warm[2]! };
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ew-bench-scale-'));
const endpoint = await spawnUntil([endpointMain, join(dir, 'clickhouse')], {}, /\{"url":"(http:[^"]+)"\}/);
try {
  const url = endpoint.match[1]!;
  const one = await collectors(1, url, endpoint.pid, dir);
  const two = await collectors(2, url, endpoint.pid, dir);
  const detect = await detectionCycle(url);
  const row = (n: number, r: LoadResult): string =>
    `| ${n} | ${Math.round(r.spansPerSecond).toLocaleString('en-US')} | ${r.p50Ms.toFixed(0)} | ${r.p99Ms.toFixed(0)} | ${Math.round(r.rowsPerInsert).toLocaleString('en-US')} | ${r.insertMs.toFixed(0)} | ${r.collectorCpu.map((c) => c.toFixed(0)).join(' + ')} | ${r.endpointCpu.toFixed(0)} | ${r.senderCpu.toFixed(0)} | ${r.failures} |`;
  const lines = [
    `scale-out benchmark, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${CONCURRENCY} requests of ${BATCH} OTLP protobuf spans in flight, ${SECONDS} s each, ClickHouse HTTP endpoint (chDB) in its own process`,
    '',
    '| collectors | spans/s acknowledged | p50 ms | p99 ms | spans per insert | ms per insert | collector CPU % of a core | endpoint CPU % | load generator CPU % | non-200 |',
    '|---|---|---|---|---|---|---|---|---|---|',
    row(1, one),
    row(2, two),
    '',
    `detection, one worker over HTTP: ${detect.series.toLocaleString('en-US')} series (200 vendors), ${detect.rows.toLocaleString('en-US')} minute rows generated in ${detect.generateS.toFixed(1)} s;` +
      ` cold cycle ${detect.coldS.toFixed(2)} s, warm cycle (median of 5) ${detect.warmS.toFixed(2)} s`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  await endpoint.stop();
  rmSync(dir, { recursive: true, force: true });
}
