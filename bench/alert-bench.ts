import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AlertStates } from '../alerts/lifecycle.js';
import { createNotifier } from '../alerts/notifier.js';
import { detectionContext, runDetectionStep } from '../app/detection-step.js';
import { liveSink, liveVendorStates } from '../app/live-step.js';
import { parseConfig } from '../common/config/index.js';
import { InProcessBackend } from '../queue/in-process-queue.js';
import { MemoryStepStateStore } from '../queue/step-state.js';
import { freePort } from '../queue/redis-server.js';
import { migrate } from '../storage/migrate.js';
import { openStore, type Store } from '../storage/store.js';

/**
 * `npm run bench:alert`: time from the first anomalous minute closing to the Slack receiver getting
 * the message, in the embedded `start` with a 10 s step (target ≤ 30 s). A week of normal stripe
 * traffic is backfilled into the rollups, `start` runs on that data dir with a loopback Slack,
 * live spans flow at the normal rate, then 20× from a minute boundary on.
 * BENCH_GROUP_WAIT (seconds, default 5) and BENCH_LAG (default 5) set the alert/detection knobs.
 * BENCH_INLINE=1 runs the same chain in this process instead of `start` (store → detectors every
 * 10 s → the worker's detection step → notifier → Slack), spans inserted straight into the store.
 */
const STEP_SECONDS = 10;
const GROUP_WAIT = Number(process.env['BENCH_GROUP_WAIT'] ?? 5);
const LAG = Number(process.env['BENCH_LAG'] ?? 5);
const NORMAL_PER_MIN = 100;
const SPIKE_FACTOR = 20;
const MIN = 60_000;

function dt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

async function backfill(store: Store, untilMs: number): Promise<void> {
  {
    const start = untilMs - 7 * 1440 * MIN;
    await store.client.command({
      query: `INSERT INTO egress_minute
              SELECT toDateTime({start:DateTime}, 'UTC') + toIntervalMinute(number) AS minute, 'checkout', 'stripe', 'api.stripe.com', 'POST', '/v1/payment_intents',
                     toUInt64({calls:UInt32} - 5 + cityHash64(number) % 11) AS calls, toUInt64(0) AS errors, calls * 600, calls * 900,
                     arrayReduce('quantilesState(0.5, 0.95, 0.99)', [toUInt64(80000000 + cityHash64(number, 2) % 20000000)])
              FROM numbers({rows:UInt64})`,
      query_params: { start: dt(start), calls: NORMAL_PER_MIN, rows: Math.floor((untilMs - start) / MIN) },
    });
  }
}

/** The same spans as rows, for the inline mode. */
function spanRows(count: number): Record<string, unknown>[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    timestamp: new Date(now - i).toISOString().replace('T', ' ').replace('Z', ''),
    trace_id: randomBytes(16).toString('hex'),
    span_id: randomBytes(8).toString('hex'),
    service: 'checkout',
    vendor: 'stripe',
    host: 'api.stripe.com',
    method: 'POST',
    route: '/v1/payment_intents',
    status_code: 200,
    duration_ns: 90_000_000,
    request_bytes: 600,
    response_bytes: 900,
    request_fields: ['amount:number', 'currency:string', 'customer:string'],
    attributes: {},
  }));
}

function spans(count: number): unknown {
  const now = BigInt(Date.now()) * 1_000_000n;
  const attr = (key: string, v: string | number | string[]): unknown =>
    Array.isArray(v) ? { key, value: { arrayValue: { values: v.map((s) => ({ stringValue: s })) } } } : { key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } };
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'checkout')] },
        scopeSpans: [
          {
            scope: { name: 'bench' },
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: randomBytes(16).toString('hex'),
              spanId: randomBytes(8).toString('hex'),
              name: 'POST',
              kind: 3,
              startTimeUnixNano: String(now - BigInt(i) * 1_000_000n - 90_000_000n),
              endTimeUnixNano: String(now - BigInt(i) * 1_000_000n),
              attributes: [
                attr('http.request.method', 'POST'),
                attr('server.address', 'api.stripe.com'),
                attr('server.port', 443),
                attr('url.template', '/v1/payment_intents'),
                attr('http.response.status_code', 200),
                attr('http.request.body.size', 600),
                attr('http.response.body.size', 900),
                attr('egress.vendor', 'stripe'),
                attr('egress.request.fields', ['amount:number', 'currency:string', 'customer:string']),
              ],
            })),
          },
        ],
      },
    ],
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'egresswatch-alert-bench-'));
  const received: { atMs: number; body: { text?: string } }[] = [];
  const slack = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push({ atMs: Date.now(), body: JSON.parse(raw) as { text?: string } });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => slack.listen(0, '127.0.0.1', r));
  const slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/services/T0/B0/bench`;
  const port = await freePort();
  const configFile = join(dataDir, 'egresswatch.yaml');
  writeFileSync(
    configFile,
    [
      `detection: { step_seconds: ${STEP_SECONDS}, lag_seconds: ${LAG} }`,
      `alerts: { group_wait_seconds: ${GROUP_WAIT} }`,
      "vendors: { stripe: { hosts: ['api.stripe.com', '*.stripe.com'] } }",
      '',
    ].join('\n'),
  );
  const nowMinute = Math.floor(Date.now() / MIN) * MIN;
  let t = Date.now();
  const store = await openStore({ dataDir });
  await migrate(store);
  await backfill(store, nowMinute);
  console.log(`backfilled 7 days of stripe/checkout rollups in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  if (process.env['BENCH_INLINE'] === '1') {
    try {
      await measure(received, async (count) => void (await store.client.insert({ table: 'egress_spans', format: 'JSONEachRow', values: spanRows(count) })), startInline(store, slackUrl));
    } finally {
      await store.close();
      slack.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    return;
  }
  await store.close();

  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'start', '--port', String(port), '--config', configFile], {
    env: { ...process.env, EGRESSWATCH_DATA_DIR: dataDir, SLACK_WEBHOOK_URL: slackUrl, EGRESSWATCH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (t = Date.now(); ; ) {
      const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() - t > 60_000) throw new Error('start did not become ready within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    await measure(received, async (count) => {
      const res = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spans(count)) });
      if (!res.ok) throw new Error(`collector answered ${res.status}`);
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    slack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

/** Normal traffic until a minute boundary at least one full minute away, then the spike; reports the latency. */
async function measure(received: { atMs: number; body: { text?: string } }[], send: (count: number) => Promise<void>, stop?: () => Promise<void>): Promise<void> {
  const spikeStart = Math.ceil((Date.now() + MIN) / MIN) * MIN;
  const firstClose = spikeStart + MIN;
  console.log(`spike from ${new Date(spikeStart).toISOString()}; first anomalous minute closes ${new Date(firstClose).toISOString()}`);
  const deadline = firstClose + 180_000;
  let sent = 0;
  try {
    while (Date.now() < deadline) {
      const perMin = Date.now() >= spikeStart ? NORMAL_PER_MIN * SPIKE_FACTOR : NORMAL_PER_MIN;
      const batch = Math.max(1, Math.round(perMin / 20));
      await send(batch);
      sent += batch;
      const hit = received.find((r) => r.atMs >= spikeStart && /volume_spike/.test(r.body.text ?? ''));
      if (hit) {
        const seconds = (hit.atMs - firstClose) / 1000;
        console.log(`sent ${sent} spans; Slack got "${hit.body.text}"`);
        console.log(`time from the first anomalous minute closing to Slack: ${seconds.toFixed(1)} s (target ≤ 30 s; step ${STEP_SECONDS} s, lag ${LAG} s, group_wait ${GROUP_WAIT} s)`);
        return;
      }
      await new Promise((r) => setTimeout(r, 3_000));
    }
    console.log(`no volume_spike message within 180 s of the minute closing (${received.length} Slack messages: ${received.map((r) => r.body.text).join(' | ')})`);
    process.exitCode = 1;
  } finally {
    await stop?.();
  }
}

/** The worker's step in this process: a detection tick every step → runDetectionStep → notifier. */
function startInline(store: Store, slackUrl: string): () => Promise<void> {
  const config = parseConfig({
    detection: { step_seconds: STEP_SECONDS, lag_seconds: LAG },
    alerts: { group_wait_seconds: GROUP_WAIT },
    vendors: { stripe: { hosts: ['api.stripe.com'] } },
  });
  const backend = new InProcessBackend();
  const notifier = createNotifier({ store, backend, config, env: { SLACK_WEBHOOK_URL: slackUrl } });
  const ctx = detectionContext(store, config);
  const states = liveVendorStates(store, new MemoryStepStateStore<AlertStates>());
  const sink = liveSink(store, notifier);
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      // The one vendor the bench sends, as a one-vendor shard of the worker role.
      await runDetectionStep(ctx, { stepEnd: Date.now(), vendors: ['stripe'], states, sink });
    });
  }, STEP_SECONDS * 1000);
  return async () => {
    clearInterval(timer);
    await running.catch(() => undefined);
    await notifier.close();
    await backend.close();
  };
}
