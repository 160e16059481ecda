import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMqBackend } from '../../../queue/bullmq-queue.js';
import { startRedisServer, type OwnedRedis } from '../../../queue/redis-server.js';
import { RedisStepStateStore } from '../../../queue/step-state.js';
import { rawClient } from '../../helpers/raw-http.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Any local user can connect to 127.0.0.1; the embedded Redis holds alert step state and
// notification jobs, so it must not answer without the password only its owner can read.
describe('the embedded redis-server', () => {
  const dir = tempDir();
  let redis: OwnedRedis;
  let password: string;
  beforeAll(async () => {
    redis = await startRedisServer(join(dir.path, 'redis'));
    password = decodeURIComponent(new URL(redis.url).password);
  });
  afterAll(async () => {
    await redis?.stop();
    dir.remove();
  });

  /** What the server answers to one inline command sent by a client that knows no password. */
  async function askWithoutPassword(command: string): Promise<string> {
    const client = rawClient(`http://127.0.0.1:${new URL(redis.url).port}`);
    await client.connected;
    client.write(`${command}\r\n`);
    for (let i = 0; i < 100 && !client.received().includes('\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
    client.destroy();
    return client.received();
  }

  it('answers NOAUTH to a client without the password', async () => {
    expect(await askWithoutPassword('PING')).toMatch(/^-NOAUTH/);
    expect(await askWithoutPassword('KEYS *')).toMatch(/^-NOAUTH/);
    expect(await askWithoutPassword(`AUTH ${'0'.repeat(64)}`)).toMatch(/^-WRONGPASS/);
  });

  it('has a random password that is not on any command line, in a 0600 file in a 0700 dir', () => {
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(password);
    expect(statSync(join(dir.path, 'redis')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir.path, 'redis', 'redis.conf')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir.path, 'redis', 'redis.log'), 'utf8')).not.toContain(password);
  });

  it('takes BullMQ jobs and step state over the URL with the password', async () => {
    const backend = new BullMqBackend(redis.url, `test-${randomUUID()}`);
    const runs: number[] = [];
    const q = backend.queue<number>(`q-${randomUUID()}`, async (n) => void runs.push(n));
    await q.add('one', 1);
    expect(await q.waitFor(['one'], 10_000)).toEqual({ one: 'completed' });
    expect(runs).toEqual([1]);
    await backend.close();
    const states = new RedisStepStateStore<string>(redis.url, `test-${randomUUID()}`);
    expect(await states.set('stripe', 1, 'quiet')).toBe(true);
    expect(await states.get('stripe')).toEqual({ step: 1, value: 'quiet' });
    await states.close();
  });

  it('gets a new password at each start on the same data dir', async () => {
    const before = redis.url;
    await redis.stop();
    redis = await startRedisServer(join(dir.path, 'redis'));
    expect(new URL(redis.url).password).not.toBe(new URL(before).password);
    expect(await askWithoutPassword('PING')).toMatch(/^-NOAUTH/);
  });
});
