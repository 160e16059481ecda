import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_QUEUE } from '../../../alerts/notifier.js';
import { parseConfig } from '../../../common/config/index.js';
import { openQueueRuntime, type QueueRuntime } from '../../../queue/backend.js';
import { startRedisServer, type OwnedRedis } from '../../../queue/redis-server.js';
import { listAlerts } from '../../../storage/alert-store.js';
import { migrate } from '../../../storage/migrate.js';
import { openStore, type Store } from '../../../storage/store.js';
import { startWorkerRole, TICK_QUEUE, VENDOR_QUEUE, type WorkerRole } from '../../../app/worker-role.js';
import { startFakeReceivers } from '../alerts/fake-receivers.js';
import { queuesDrained } from '../../helpers/queue-drain.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MINUTE = 60_000;
const dir = tempDir();
let store: Store;
let redis: OwnedRedis;
let receivers: Awaited<ReturnType<typeof startFakeReceivers>>;
// The two workers serve both tests (the second resolves what the first fired): closed after all.
const runtimes: QueueRuntime[] = [];
const workers: WorkerRole[] = [];
/** Queues a test opened itself, closed after it, pass or fail. */
const opened: { close(): Promise<void> }[] = [];

/** Minute-aligned, an hour ago, so every step is in the past. */
const t0 = Math.floor((Date.now() - 3_600_000) / MINUTE) * MINUTE;

function spans(minute: number, count: number, pii: string[]): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: `${(minute + i * 1000) / 1000}.000000000`,
    trace_id: (minute + i).toString(16).padStart(32, '0'),
    span_id: i.toString(16).padStart(16, '0'),
    service: 'checkout',
    vendor: 'stripe',
    host: 'api.stripe.com',
    method: 'POST',
    route: '/v1/charges',
    status_code: 200,
    duration_ns: 40_000_000,
    request_bytes: 300,
    request_fields: ['amount:number', 'customer.email:string', ...pii.map((p) => `${p.split(':')[0]}:string`)],
    request_pii: ['customer.email:email', ...pii],
  }));
}

const config = parseConfig({
  vendors: { stripe: { hosts: ['api.stripe.com'], allow_pii: ['email'] } },
  detection: { step_seconds: 60, lag_seconds: 0 },
  alerts: { group_wait_seconds: 0, runbook_base_url: 'http://127.0.0.1:9/', rules: { pii_violation: { resolve_after_steps: 2 } } },
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // A poll interval: `until` waits for something to arrive, not for nothing more to.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * No job left that may still run, upstream first (tick → detection shards → notifications): a job
 * is active while it adds the next queue's, so once a queue reads empty nothing refills the one
 * before. After it, no alert or message is still to come. Prefix: openQueueRuntime's default.
 */
const drained = (): Promise<void> => queuesDrained(redis.url, [TICK_QUEUE, VENDOR_QUEUE, NOTIFICATION_QUEUE], { timeoutMs: 30_000 });

beforeAll(async () => {
  store = await openStore({ dataDir: dir.path });
  await migrate(store);
  redis = await startRedisServer(`${dir.path}/redis`);
  receivers = await startFakeReceivers();
  process.env['SLACK_WEBHOOK_URL'] = `${receivers.url}/slack`;
  // Two workers on one Redis, as two processes of the worker role would be.
  for (let i = 0; i < 2; i++) {
    const runtime = await openQueueRuntime({ redisUrl: redis.url, dataDir: dir.path, embedded: false });
    runtimes.push(runtime);
    workers.push(await startWorkerRole(config, store, runtime, { scheduler: false }));
  }
  // Ten quiet minutes of traffic, then `ssn` starts flowing to stripe, which allows only email.
  for (let m = 0; m < 10; m++) await store.client.insert({ table: 'egress_spans', values: spans(t0 + m * MINUTE, 5, []), format: 'JSONEachRow' });
  await store.client.insert({ table: 'egress_spans', values: spans(t0 + 10 * MINUTE, 5, ['customer.ssn:ssn']), format: 'JSONEachRow' });
});

afterEach(async () => {
  for (const q of opened.splice(0)) await q.close();
});

afterAll(async () => {
  for (const w of workers) await w.close();
  for (const r of runtimes) await r.close();
  await receivers.close();
  await redis.stop();
  await store.close();
  delete process.env['SLACK_WEBHOOK_URL'];
  dir.remove();
});

describe('the worker role on BullMQ with two workers', () => {
  it('evaluates a (vendor, step) once: one alert and one message, even when both tick and a job is redone', async () => {
    const step = t0 + 11 * MINUTE;
    await Promise.all(workers.map((w) => w.tick(step)));
    const firing = await until('the pii_violation alert', async () => {
      const alerts = await listAlerts(store, { status: 'firing' });
      return alerts.find((a) => a.kind === 'pii_violation');
    });
    expect(firing).toMatchObject({ vendor: 'stripe', severity: 'critical', runbook_url: 'http://127.0.0.1:9/runbooks/pii_violation' });
    await until('the Slack message', async () => (receivers.received('/slack').length >= 1 ? true : undefined));

    // A worker that died after its job was done is redone by BullMQ under a new attempt; the
    // stored step state recognises the step and nothing is evaluated or sent again.
    const redo = runtimes[0]!.backend.queue<{ vendors: string[]; stepEnd: number }>(VENDOR_QUEUE);
    opened.push(redo);
    await redo.add(`detect:${step}:stripe..stripe:redo`, { vendors: ['stripe'], stepEnd: step });
    await Promise.all(workers.map((w) => w.tick(step)));
    await drained();

    const history = await (
      await store.client.query({ query: "SELECT status, count() AS n FROM alerts WHERE kind = 'pii_violation' GROUP BY status", format: 'JSONEachRow' })
    ).json<{ status: string; n: number }>();
    expect(history).toEqual([{ status: 'firing', n: 1 }]);
    expect(receivers.received('/slack')).toHaveLength(1);
  });

  it('resolves once the class stops flowing, with one resolve message', async () => {
    for (const step of [t0 + 12 * MINUTE, t0 + 13 * MINUTE, t0 + 14 * MINUTE]) await workers[1]!.tick(step);
    const resolved = await until('the resolve', async () => {
      const alerts = await listAlerts(store, { status: 'resolved' });
      return alerts.find((a) => a.kind === 'pii_violation');
    });
    expect(resolved.endsAt).toBeDefined();
    await until('the resolve message', async () => (receivers.received('/slack').length >= 2 ? true : undefined));
    await drained();
    expect(receivers.received('/slack')).toHaveLength(2);
  });
});
