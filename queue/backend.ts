import { join } from 'node:path';
import { logger } from '../common/logger.js';
import { BullMqBackend } from './bullmq-queue.js';
import { InProcessBackend } from './in-process-queue.js';
import type { QueueBackend } from './job-queue.js';
import { redisServerAvailable, startRedisServer, type OwnedRedis } from './redis-server.js';

const log = logger('queue');

/** The queue backend a process runs on, and the Redis it may own. */
export interface QueueRuntime {
  backend: QueueBackend;
  /** Where Redis is, or undefined for in-process. */
  redisUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * DESIGN.md's order: `REDIS_URL` (config redis.url) if set; else, when `embedded`, a private
 * redis-server from PATH with its data under `<dataDir>/redis`; else jobs run in-process (said once).
 */
export async function openQueueRuntime(options: { redisUrl?: string | undefined; dataDir: string; embedded: boolean }): Promise<QueueRuntime> {
  if (options.redisUrl) {
    const backend = new BullMqBackend(options.redisUrl);
    return { backend, redisUrl: options.redisUrl, close: () => backend.close() };
  }
  let owned: OwnedRedis | undefined;
  if (options.embedded && redisServerAvailable()) {
    try {
      owned = await startRedisServer(join(options.dataDir, 'redis'));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not start redis-server; running jobs in-process');
    }
  }
  if (owned) {
    const backend = new BullMqBackend(owned.url);
    const redis = owned;
    return {
      backend,
      redisUrl: owned.url,
      close: async () => {
        await backend.close();
        await redis.stop();
      },
    };
  }
  log.warn('no REDIS_URL and no redis-server on PATH: jobs run in-process (they do not survive a restart)');
  const backend = new InProcessBackend();
  return { backend, redisUrl: undefined, close: () => backend.close() };
}
