import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryableDeliveryError } from '../../../common/errors.js';
import { BullMqBackend } from '../../../queue/bullmq-queue.js';
import { startRedisServer, type OwnedRedis } from '../../../queue/redis-server.js';
import { queuesDrained } from '../../helpers/queue-drain.js';
import { tempDir } from '../../helpers/temp-dir.js';

// The "nothing more arrived" wait the tests share: it must wait out a retry that is still to come.
describe('queuesDrained on a real redis-server', () => {
  const dir = tempDir();
  let redis: OwnedRedis;
  let backend: BullMqBackend | undefined;
  beforeAll(async () => {
    redis = await startRedisServer(dir.path);
  });
  afterEach(async () => {
    await backend?.close();
    backend = undefined;
  });
  afterAll(async () => {
    await redis.stop();
    dir.remove();
  });

  it('returns only once a retried job has run its last attempt', async () => {
    const prefix = `test-${randomUUID()}`;
    backend = new BullMqBackend(redis.url, prefix);
    const name = `q-${randomUUID()}`;
    const runs: number[] = [];
    const queue = backend.queue<string>(
      name,
      async (_data, ctx) => {
        runs.push(ctx.attempt);
        if (runs.length === 1) throw new RetryableDeliveryError('busy', 400);
      },
      { backoffMs: 10, attempts: 3 },
    );
    await queue.add('a', 'x');
    await queuesDrained(redis.url, [name], { prefix, timeoutMs: 10_000 });
    expect(runs).toHaveLength(2);
  });

  it('says which queue still holds what when it does not drain in time', async () => {
    const prefix = `test-${randomUUID()}`;
    backend = new BullMqBackend(redis.url, prefix);
    const name = `q-${randomUUID()}`;
    // A producer only: nobody works the queue.
    await backend.queue<string>(name).add('stuck', 'x');
    await expect(queuesDrained(redis.url, [name], { prefix, timeoutMs: 300 })).rejects.toThrow(`queue ${name} still holds 1 waiting`);
  });
});
