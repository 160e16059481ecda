import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../common/errors.js';
import { BullMqBackend } from '../../../queue/bullmq-queue.js';
import { InProcessBackend } from '../../../queue/in-process-queue.js';
import type { QueueBackend } from '../../../queue/job-queue.js';
import { startRedisServer, type OwnedRedis } from '../../../queue/redis-server.js';
import { RedisStepStateStore } from '../../../queue/step-state.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dir = tempDir();
let redis: OwnedRedis;
beforeAll(async () => {
  redis = await startRedisServer(dir.path);
});
afterAll(async () => {
  await redis.stop();
  dir.remove();
});

describe.each([
  ['BullMQ on a real redis-server', (): QueueBackend => new BullMqBackend(redis.url, `test-${randomUUID()}`)],
  ['in-process', (): QueueBackend => new InProcessBackend()],
])('%s', (_name, newBackend) => {
  // Closed after each test, pass or fail (BullMQ's tests do the same): a failed expect must not leave a worker polling Redis.
  let open: QueueBackend[] = [];
  const makeBackend = (): QueueBackend => {
    const backend = newBackend();
    open.push(backend);
    return backend;
  };
  afterEach(async () => {
    await Promise.all(open.map((b) => b.close()));
    open = [];
  });
  it('runs a job id once, however often it is added, even after it finished', async () => {
    const backend = makeBackend();
    const runs: string[] = [];
    const q = backend.queue<{ n: number }>(`q-${randomUUID()}`, async (data, ctx) => void runs.push(`${ctx.jobId}:${data.n}`), { backoffMs: 10 });
    expect(await q.add('a', { n: 1 })).toBe(true);
    expect(await q.add('a', { n: 2 })).toBe(false);
    await q.waitFor(['a'], 10_000);
    expect(await q.add('a', { n: 3 })).toBe(false);
    expect(runs).toEqual(['a:1']);
  });

  it('waits as long as Retry-After says, and gives up at once on a permanent error', async () => {
    const backend = makeBackend();
    const attempts: number[] = [];
    const q = backend.queue<string>(
      `q-${randomUUID()}`,
      async (data) => {
        attempts.push(Date.now());
        if (data === 'permanent') throw new PermanentDeliveryError('400 bad payload');
        if (attempts.length === 1) throw new RetryableDeliveryError('429', 700);
      },
      { backoffMs: 10, attempts: 3 },
    );
    await q.add('retry', 'retry');
    expect(await q.waitFor(['retry'], 10_000)).toEqual({ retry: 'completed' });
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(650);
    attempts.length = 0;
    await q.add('permanent', 'permanent');
    expect(await q.waitFor(['permanent'], 10_000)).toEqual({ permanent: 'failed' });
    expect(attempts).toHaveLength(1);
  });
});

describe('RedisStepStateStore', () => {
  it('keeps the newest step per key and refuses to go back', async () => {
    const store = new RedisStepStateStore<{ open: string[] }>(redis.url, `test-${randomUUID()}`);
    expect(await store.get('stripe')).toBeUndefined();
    expect(await store.set('stripe', 120, { open: ['a'] })).toBe(true);
    expect(await store.set('stripe', 60, { open: [] })).toBe(false);
    expect(await store.set('stripe', 120, { open: [] })).toBe(false);
    expect(await store.get('stripe')).toEqual({ step: 120, value: { open: ['a'] } });
    await store.close();
  });
});
