import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../common/config/index.js';
import { openQueueRuntime, type QueueRuntime } from '../../../queue/backend.js';
import { startRedisServer, type OwnedRedis } from '../../../queue/redis-server.js';
import { listAlerts } from '../../../storage/alert-store.js';
import { migrate } from '../../../storage/migrate.js';
import { openStore, type Store } from '../../../storage/store.js';
import { startWorkerRole, type WorkerRole } from '../../../app/worker-role.js';
import { replayDetection } from '../../../app/replay.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Vendors named like Object.prototype's own keys once threw inside the alert lifecycle
// (`config.vendors[vendor].runbooks`): `__proto__` sorts first, so its whole shard — every
// victim after it — was never evaluated again while the attacker kept sending.

const MINUTE = 60_000;
const DAY = 86_400_000;
const dir = tempDir();
let store: Store;
let redis: OwnedRedis;
let runtime: QueueRuntime;
let worker: WorkerRole | undefined;

const t0 = Math.floor((Date.now() - 3_600_000) / MINUTE) * MINUTE;
const HOSTILE = ['__proto__', 'constructor', 'hasownproperty', 'tostring'];

function span(minute: number, i: number, vendor: string, host: string): Record<string, unknown> {
  return {
    timestamp: `${(minute + i * 1000) / 1000}.000000000`,
    trace_id: (minute + i).toString(16).padStart(32, '0'),
    span_id: i.toString(16).padStart(16, '0'),
    service: 'checkout',
    vendor,
    host,
    method: 'POST',
    route: '/v1/upload',
    status_code: 200,
    duration_ns: 40_000_000,
    request_bytes: 300,
  };
}

const config = parseConfig({
  vendors: { stripe: { hosts: ['api.stripe.com'], allow_pii: ['email'] } },
  detection: { step_seconds: 60, lag_seconds: 0 },
  alerts: { group_wait_seconds: 0, runbook_base_url: 'http://127.0.0.1:9/' },
});

beforeAll(async () => {
  store = await openStore({ dataDir: dir.path });
  await migrate(store);
  redis = await startRedisServer(`${dir.path}/redis`);
  runtime = await openQueueRuntime({ redisUrl: redis.url, dataDir: dir.path, embedded: false });
  // Installed two days ago (new_destination's warm-up is over), then, in one minute, the hostile
  // vendors and one honest new destination.
  await store.client.insert({ table: 'egress_spans', values: [span(t0 - 2 * DAY, 0, 'stripe', 'api.stripe.com')], format: 'JSONEachRow' });
  const now = t0 + 5 * MINUTE;
  const rows = [...HOSTILE.map((v, i) => span(now, i, v, v)), span(now, 9, 'exfil.example', 'upload.exfil.example')];
  await store.client.insert({ table: 'egress_spans', values: rows, format: 'JSONEachRow' });
});

// The test that started the worker closes it, pass or fail, so its queues do not outlive it.
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

afterAll(async () => {
  await runtime?.close();
  await redis?.stop();
  await store?.close();
  dir.remove();
});

describe('vendors named like Object.prototype keys', () => {
  it('do not stop the live worker from alerting on the other vendors of their shard', async () => {
    worker = await startWorkerRole(config, store, runtime, { scheduler: false });
    await worker.tick(t0 + 6 * MINUTE);
    const deadline = Date.now() + 20_000;
    let kinds: string[] = [];
    const expected = ['new_destination/exfil.example', ...HOSTILE.map((v) => `new_destination/${v}`)];
    while (Date.now() < deadline) {
      kinds = (await listAlerts(store, { status: 'firing' })).map((a) => `${a.kind}/${a.vendor}`);
      if (expected.every((k) => kinds.includes(k))) break;
      // A poll interval while the alerts arrive; the test asserts what came, not that nothing more did.
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(kinds).toContain('new_destination/exfil.example');
    // The hostile names are destinations like any other, with the default runbook link.
    expect(kinds).toEqual(expect.arrayContaining(HOSTILE.map((v) => `new_destination/${v}`)));
    const proto = (await listAlerts(store, { status: 'firing' })).find((a) => a.vendor === '__proto__');
    expect(proto?.runbook_url).toBe('http://127.0.0.1:9/runbooks/new_destination');
  });

  it('do not stop a detect replay', async () => {
    const result = await replayDetection(store, config, { fromMs: t0 + 6 * MINUTE, toMs: t0 + 6 * MINUTE, stepMs: MINUTE });
    expect(result.alerts.map((a) => a.vendor)).toEqual(expect.arrayContaining(['exfil.example', '__proto__', 'constructor']));
  });
});
