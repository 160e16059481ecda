import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, NOTIFICATION_QUEUE, type Notifier } from '../../../alerts/notifier.js';
import { replayDetection, type ReplayResult } from '../../../app/replay.js';
import { startWorkerRole, type WorkerRole } from '../../../app/worker-role.js';
import { startCollectorRole } from '../../../cli/collector-role.js';
import { demoSpans, otlpRequests } from '../../../cli/demo-traffic.js';
import { parseConfig } from '../../../common/config/index.js';
import { InProcessBackend } from '../../../queue/in-process-queue.js';
import { openQueueRuntime, type QueueRuntime } from '../../../queue/backend.js';
import { startRedisServer, type OwnedRedis } from '../../../queue/redis-server.js';
import { listNotificationAttempts } from '../../../storage/alert-notification-store.js';
import { loadFiringAlerts } from '../../../storage/alert-store.js';
import { migrate } from '../../../storage/migrate.js';
import { openStore, type Store } from '../../../storage/store.js';
import { startFakeReceivers } from '../alerts/fake-receivers.js';
import { tempDir } from '../../helpers/temp-dir.js';

// "A replay is as if live": the `detect` replay and the live worker run the same step
// (app/detection-step.ts). Here one incident goes through both, and what each raised and sent is
// compared field by field.

const MINUTE = 60_000;
const dir = tempDir();
const now = Math.floor(Date.now() / MINUTE) * MINUTE;
/** The replayed window: quiet minutes, then the demo incident (its last 30 minutes). */
const from = now - 40 * MINUTE;
const to = now;
const config = parseConfig({
  vendors: {
    hubspot: { hosts: ['api.hubapi.com'], allow_pii: ['email', 'person_name'] },
    stripe: { hosts: ['api.stripe.com'], allow_pii: ['email'] },
    twilio: { hosts: ['api.twilio.com'], allow_pii: ['phone'] },
  },
  alerts: { group_wait_seconds: 0, runbook_base_url: 'http://127.0.0.1:9/' },
});

let store: Store;
let redis: OwnedRedis;
let runtime: QueueRuntime;
let worker: WorkerRole | undefined;
let replayNotifier: Notifier;
let replayBackend: InProcessBackend;
let receivers: Awaited<ReturnType<typeof startFakeReceivers>>;
let env: Record<string, string>;

beforeAll(async () => {
  store = await openStore({ dataDir: dir.path });
  await migrate(store);
  redis = await startRedisServer(`${dir.path}/redis`);
  runtime = await openQueueRuntime({ redisUrl: redis.url, dataDir: dir.path, embedded: false });
  receivers = await startFakeReceivers();
  env = { SLACK_WEBHOOK_URL: `${receivers.url}/slack`, EGRESSWATCH_WEBHOOK_URL: `${receivers.url}/hook` };
  replayBackend = new InProcessBackend();
  replayNotifier = createNotifier({ store, backend: replayBackend, config, env, queueName: `replay-${randomUUID()}` });
  // Two days of the demo's egress through the real collector, the incident in the last 30 minutes.
  const collector = await startCollectorRole(config, store, { host: '127.0.0.1', port: 0 });
  try {
    // Bodies under 1 MiB are decoded on the event loop (larger ones go to a compiled worker thread).
    for (const body of otlpRequests(demoSpans(now - 2 * 24 * 60 * MINUTE, now, now - 30 * MINUTE), 500)) {
      const res = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
    }
  } finally {
    await collector.close();
  }
}, 180_000);

afterAll(async () => {
  await worker?.close();
  await replayNotifier?.close();
  await replayBackend?.close();
  await runtime?.close();
  await receivers?.close();
  await redis?.stop();
  await store?.close();
  for (const name of Object.keys(env ?? {})) delete process.env[name];
  dir.remove();
});

interface Change {
  fingerprint: string;
  kind: string;
  vendor: string;
  service: string;
  status: string;
  severity: string;
  summary: string;
  /** Int64 comes as a string in JSON. */
  starts: string;
  ends: string | null;
  step: string;
}

/** State changes as stored, in one form for `alerts` (live) and `replay_alerts` (a recorded replay). */
async function changes(table: 'alerts' | 'replay_alerts', where: string, params: Record<string, unknown>): Promise<string[]> {
  const rs = await store.client.query({
    query: `SELECT fingerprint, kind, vendor, service, status, severity, summary, toUnixTimestamp64Milli(starts_at) AS starts,
                   toUnixTimestamp64Milli(ends_at) AS ends, toUnixTimestamp64Milli(updated_at) AS step
            FROM ${table} WHERE ${where}`,
    query_params: params,
    format: 'JSONEachRow',
  });
  return (await rs.json<Change>()).map((c) => JSON.stringify([new Date(Number(c.step)).toISOString(), c.fingerprint, c.kind, c.vendor, c.service, c.status, c.severity, new Date(Number(c.starts)).toISOString(), c.ends === null ? null : new Date(Number(c.ends)).toISOString(), c.summary])).sort();
}

describe('the same incident, replayed with detect and run live through the worker', () => {
  let replay: ReplayResult;
  const replayId = randomUUID();
  let replayJobs: string[] = [];

  it('the replay raises the incident and sends it (recorded, notified)', async () => {
    replay = await replayDetection(store, config, { fromMs: from, toMs: to, stepMs: MINUTE, record: { replayId }, notifier: replayNotifier, deliveryTimeoutMs: 60_000 });
    const kinds = new Set(replay.alerts.map((a) => `${a.kind}:${a.vendor}`));
    expect([...kinds]).toEqual(expect.arrayContaining(['volume_spike:stripe', 'bytes_spike:stripe', 'pii_violation:hubspot', 'new_destination:example.net']));
    const attempts = await listNotificationAttempts(store, { limit: 10_000 });
    replayJobs = [...new Set(attempts.map((a) => a.jobId))].sort();
    expect(attempts.every((a) => a.outcome === 'delivered')).toBe(true);
    expect(replayJobs.length).toBeGreaterThanOrEqual(3);
    expect(receivers.received().length).toBe(replayJobs.length);
  }, 180_000);

  it('the live worker, stepped minute by minute from where the replay began its look-back, raises the same alerts', async () => {
    process.env['SLACK_WEBHOOK_URL'] = env['SLACK_WEBHOOK_URL'];
    process.env['EGRESSWATCH_WEBHOOK_URL'] = env['EGRESSWATCH_WEBHOOK_URL'];
    // Every step waits for its own hour's baselines, as a replay does (the live default may serve
    // the previous hour's for one step when the hour turns).
    worker = await startWorkerRole(config, store, runtime, { scheduler: false, baselinesInBackground: false });
    const first = Math.ceil(from / MINUTE) * MINUTE;
    for (let step = replay.lookback.fromMs; step <= to; step += MINUTE) await worker.tick(step);

    // Alerts open when the window opens: the same, with the same start.
    const openLive = (await loadFiringAlerts(store, first)).map((a) => `${a.fingerprint} ${a.kind} ${a.vendor} ${a.startsAt}`).sort();
    const recorded = replay.recorded!.changes;
    const openReplay = replay.alerts.slice(0, replay.alerts.length - recorded).map((a) => `${a.fingerprint} ${a.kind} ${a.vendor} ${a.startsAt}`).sort();
    expect(openLive).toEqual(openReplay);
    // Then every state change of the window, at the same step, with the same fields and text.
    const live = await changes('alerts', 'updated_at >= fromUnixTimestamp64Milli({first:Int64})', { first });
    const replayed = await changes('replay_alerts', 'replay_id = {replayId:String}', { replayId });
    expect(replayed.length).toBe(recorded);
    expect(replayed.length).toBeGreaterThanOrEqual(5);
    expect(live).toEqual(replayed);
  }, 300_000);

  it('and queues the same notifications: each is one the replay sent already, so no receiver gets a message twice', async () => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(NOTIFICATION_QUEUE, { connection, prefix: 'egresswatch' });
    try {
      const ids = (await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized'])).map((j) => j.id ?? '').sort();
      expect(ids).toEqual(replayJobs);
      const outcomes = await worker!.notifier.waitDelivered(ids, 60_000);
      expect(Object.values(outcomes).every((o) => o === 'completed')).toBe(true);
    } finally {
      await queue.close();
      await connection.quit();
    }
    // The live worker's attempts found each message delivered by the replay.
    const live = (await listNotificationAttempts(store, { limit: 10_000 })).filter((a) => a.outcome !== 'delivered');
    expect(live.map((a) => a.outcome)).toEqual(replayJobs.map(() => 'skipped'));
    expect(live.map((a) => a.jobId).sort()).toEqual(replayJobs);
    expect(receivers.received().length).toBe(replayJobs.length);
  }, 120_000);
});
