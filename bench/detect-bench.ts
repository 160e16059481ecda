import { DEFAULT_DETECTION_CONFIG } from '../common/config/detection.js';
import { DetectionCache, evaluateStep, type StepTimings } from '../detectors/evaluate-step.js';
import { readRecentMinutes } from '../storage/detection-queries.js';
import { migrate } from '../storage/migrate.js';
import { openStore } from '../storage/store.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run bench:detect`: one detection cycle over 10,000 (vendor, service) series with 28 days of
 * minute rollups in a temp embedded store. Rollups are generated in ClickHouse straight into
 * egress_minute. BENCH_SERIES / BENCH_DAYS / BENCH_DENSE shrink or grow the data set.
 * BENCH_DATA_DIR keeps the generated store there and reuses it on the next run (generation takes
 * minutes), so two builds can be compared on the same data back to back. Each run also times a
 * reference in the same run — the steady cycle's own read of its recent minutes — because the
 * shared machine's speed changes from hour to hour: compare the ratio, not the seconds. CPU
 * seconds (this process, the embedded engine's threads included) move less with the machine's
 * load than wall seconds do. BENCH_HOUR_TURN=0 leaves out the cycle when the hour turns (it waits
 * for the new hour's baseline reads, minutes under load).
 */
const SERIES = Number(process.env['BENCH_SERIES'] ?? 10_000);
const DAYS = Number(process.env['BENCH_DAYS'] ?? 28);
/** Series with a row every minute; the others have one row every 10 minutes (sparse vendors). */
const DENSE = Number(process.env['BENCH_DENSE'] ?? 1_000);
const VENDORS = 200;

function dt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** CPU seconds of this process since `since` (process.cpuUsage()). */
function cpuSeconds(since: NodeJS.CpuUsage): string {
  const d = process.cpuUsage(since);
  return ((d.user + d.system) / 1e6).toFixed(2);
}

/** Median seconds of each stage over `stages`. */
function byStage(stages: readonly StepTimings[]): string {
  const stage = (k: keyof StepTimings): string => (median(stages.map((x) => x[k])) / 1000).toFixed(2);
  return `reads ${stage('readsMs')} s, series assembly ${stage('assemblyMs')} s, traffic detectors ${stage('trafficMs')} s, other detectors ${stage('otherMs')} s`;
}

async function main(): Promise<void> {
  const keep = process.env['BENCH_DATA_DIR'];
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'egresswatch-bench-'));
  if (keep) mkdirSync(keep, { recursive: true });
  const marker = join(dir, 'bench-end.json');
  const reuse = keep !== undefined && existsSync(marker);
  const store = await openStore({ dataDir: dir });
  try {
    await migrate(store);
    const end = reuse ? (JSON.parse(readFileSync(marker, 'utf8')) as { end: number }).end : Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const start = end - DAYS * 86_400_000;
    const minutes = DAYS * 1440;
    const t0 = Date.now();
    // Dense series: every minute. Sparse ones: every 10th minute. Calls follow a daily curve.
    for (const [count, every, offset] of reuse ? [] : [
      [DENSE, 1, 0],
      [SERIES - DENSE, 10, DENSE],
    ] as const) {
      if (count <= 0) continue;
      const perSeries = Math.floor(minutes / every);
      await store.client.command({
        query: `INSERT INTO egress_minute
                SELECT toDateTime({start:DateTime}, 'UTC') + toIntervalMinute(intDiv(number, {count:UInt32}) * {every:UInt32}) AS minute,
                       concat('svc-', toString((number % {count:UInt32} + {offset:UInt32}) % 1000)) AS service,
                       concat('vendor-', toString(intDiv(number % {count:UInt32} + {offset:UInt32}, 1000) * 20 + (number % {count:UInt32} + {offset:UInt32}) % 20)) AS vendor,
                       'api.example.com', 'POST', '/v1/things',
                       toUInt64(5 + 20 * (1 + sin(toHour(minute) / 24 * 2 * pi())) + cityHash64(number) % 5) AS calls,
                       toUInt64(cityHash64(number, 1) % 2) AS errors,
                       calls * 400, calls * 900,
                       -- Latency baselines read the last day only; older minutes keep an empty state (cheap to generate).
                       if(minute >= {recent:DateTime}, arrayReduce('quantilesState(0.5, 0.95, 0.99)', [toUInt64(100000000 + cityHash64(number, 2) % 50000000)]),
                          arrayReduce('quantilesState(0.5, 0.95, 0.99)', emptyArrayUInt64()))
                FROM numbers({rows:UInt64})`,
        query_params: { start: dt(start), recent: dt(end - 2 * 86_400_000), count, every, offset, rows: count * perSeries },
      });
    }
    if (keep && !reuse) writeFileSync(marker, JSON.stringify({ end }));
    const rows = await (await store.client.query({ query: 'SELECT count() AS n, uniqExact(vendor, service) AS s FROM egress_minute', format: 'JSONEachRow' })).json<{ n: number; s: number }>();
    console.log(`${reuse ? 'reused' : 'generated'} ${rows[0]?.n} minute rows for ${rows[0]?.s} series (${VENDORS} vendors, ${DAYS} days) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const settings = { detection: DEFAULT_DETECTION_CONFIG, vendors: {} };
    const cache = new DetectionCache({ refreshInBackground: true });
    const stepEnd = end - 3_600_000 + 5 * 60_000 + 30_000;
    let t = Date.now();
    let cpu = process.cpuUsage();
    const cold: StepTimings = { readsMs: 0, assemblyMs: 0, trafficMs: 0, otherMs: 0 };
    let findings = await evaluateStep(store, { stepEnd, timings: cold }, settings, cache);
    console.log(`cold cycle (baselines computed): ${((Date.now() - t) / 1000).toFixed(2)} s (${cpuSeconds(cpu)} s CPU), ${findings.length} findings; ` + byStage([cold]));
    const warm: number[] = [];
    const reference: number[] = [];
    const stages: StepTimings[] = [];
    const cpuWarm: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const timings: StepTimings = { readsMs: 0, assemblyMs: 0, trafficMs: 0, otherMs: 0 };
      t = Date.now();
      cpu = process.cpuUsage();
      findings = await evaluateStep(store, { stepEnd: stepEnd + i * 60_000, timings }, settings, cache);
      warm.push((Date.now() - t) / 1000);
      cpuWarm.push(Number(cpuSeconds(cpu)));
      stages.push(timings);
      // Reference: the same minutes' read alone (recent_minutes of every series), timed between cycles.
      const to = Math.floor((stepEnd + i * 60_000 - 30_000) / 60_000) * 60_000;
      t = Date.now();
      await readRecentMinutes(store, to - 75 * 60_000, to);
      reference.push((Date.now() - t) / 1000);
    }
    const w = median(warm);
    const r = median(reference);
    console.log(`warm cycle (baselines cached, median of 5): ${w.toFixed(2)} s (${median(cpuWarm).toFixed(2)} s CPU), ${findings.length} findings`);
    console.log(`reference (75 recent minutes of every series read alone, median of 5): ${r.toFixed(2)} s; cycle / reference ${(w / r).toFixed(2)}`);
    console.log(`warm cycle by stage (median of 5): ${byStage(stages)}`);
    const kinds = new Map<string, number>();
    for (const f of findings) kinds.set(`${f.kind}${f.sustain ? ' (sustain)' : ''}`, (kinds.get(`${f.kind}${f.sustain ? ' (sustain)' : ''}`) ?? 0) + 1);
    console.log(`findings of the last warm cycle: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`);
    if (process.env['BENCH_HOUR_TURN'] !== '0') {
      // The hour turns: the worker keeps serving the previous baselines while the new ones load.
      t = Date.now();
      findings = await evaluateStep(store, { stepEnd: stepEnd + 3_600_000 }, settings, cache);
      console.log(`cycle when the hour turns (previous baselines, refresh in background): ${((Date.now() - t) / 1000).toFixed(2)} s, ${findings.length} findings`);
    }
  } finally {
    await store.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
