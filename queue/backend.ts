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
 * docs/ARCHITECTURE.md's order: `REDIS_URL` (config redis.url) if set; else, when `embedded`, a private
 * redis-server from PATH with its data under `<dataDir>/redis`; else jobs run in-process (said once).
 */
export async function openQueueRuntime(options: {
  redisUrl?: string | undefined;
  dataDir: string;
  embedded: boolean;
  /** A short command that waits for its own jobs (`detect --notify`) runs them in-process by design: no warning. */
  inProcessByDesign?: boolean;
}): Promise<QueueRuntime> {
  if (options.redisUrl) {
    const backend = new BullMqBackend(options.redisUrl);
    return { backend, redisUrl: options.redisUrl, close: () => backend.close() };
  }
  let owned: OwnedRedis | undefined;
  // Said once, and only what is true: a role that never starts Redis must not claim that
  // redis-server is missing from PATH (it was said with /usr/bin/redis-server right there).
  let why: string;
  if (!options.embedded) {
    why = 'no REDIS_URL: jobs run in this process (they do not survive a restart; set REDIS_URL to share them with other processes)';
  } else if (!redisServerAvailable()) {
    why = 'no REDIS_URL and no redis-server on PATH: jobs run in-process (they do not survive a restart)';
  } else {
    try {
      owned = await startRedisServer(join(options.dataDir, 'redis'));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not start redis-server: jobs run in-process (they do not survive a restart)');
    }
    why = '';
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
  if (why && options.inProcessByDesign) log.debug(why);
  else if (why) log.warn(why);
  const backend = new InProcessBackend();
  return { backend, redisUrl: undefined, close: () => backend.close() };
}
