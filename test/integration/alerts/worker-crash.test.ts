import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type OwnedRedis } from '../../../queue/redis-server.js';
import { queuesDrained } from '../../helpers/queue-drain.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startFakeReceivers } from './fake-receivers.js';

// The child runs as plain JS: `npm test` compiles the tests with the rest (tsc → dist/).
const bundle = join(process.cwd(), 'dist', 'test', 'integration', 'alerts', 'notify-child.js');

const children: ChildProcess[] = [];

function startChild(env: Record<string, string>, onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [bundle], { env: { ...process.env, ...env, EGRESSWATCH_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

describe('a notification worker killed between enqueue and send', () => {
  const dir = tempDir();
  let redis: OwnedRedis;
  let receivers: Awaited<ReturnType<typeof startFakeReceivers>>;

  beforeAll(async () => {
    redis = await startRedisServer(join(dir.path, 'redis'));
    receivers = await startFakeReceivers();
  });

  // A child left running (a failed expectation before its exit) would keep working the queue.
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  afterAll(async () => {
    await receivers.close();
    await redis.stop();
    dir.remove();
  });

  it('sends exactly one message after a SIGKILL and a restart that replays the same step', async () => {
    const env = {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `crash-${randomUUID()}`,
      QUEUE_NAME: 'notifications',
      SLACK_WEBHOOK_URL: `${receivers.url}/slack`,
      STEP_END_MS: String(Date.now()),
      GROUP_WAIT_SECONDS: '1.5',
    };
    // First worker: enqueues (delayed by group_wait in Redis) and is killed before it sends.
    const queued: string[] = [];
    const first = startChild(env, (line) => {
      if (line.startsWith('queued ')) {
        queued.push(line.slice(7));
        first.kill('SIGKILL');
      }
    });
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    expect(queued).toHaveLength(1);
    expect(receivers.received('/slack')).toHaveLength(0);

    // Restart: the scheduler replays the step (same jobId, so nothing new is queued) and works the queue.
    const lines: string[] = [];
    const second = startChild(env, (line) => lines.push(line));
    expect(await exited(second)).toBe(0);
    expect(lines).toEqual([`queued ${queued[0]}`, 'delivered']);
    // Nothing left that may still run (a second copy of the job, the killed worker's stalled one):
    // no second message can come, and none that this queue holds was left unsent.
    await queuesDrained(redis.url, [env.QUEUE_NAME], { prefix: env.QUEUE_PREFIX });
    const slack = receivers.received('/slack');
    expect(slack).toHaveLength(1);
    expect(slack[0]!.body.text).toBe('[FIRING:1] volume_spike stripe/checkout: checkout calls stripe 15x more than usual');
  });
});
