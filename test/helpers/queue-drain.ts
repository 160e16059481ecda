import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { eventually, type EventuallyOptions } from './eventually.js';

/** BullMQ's states of a job that may still run; a drained queue has none in any of them. */
const PENDING = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused'] as const;

/**
 * Waits until BullMQ queues hold no job that may still run (waiting, active, delayed — a retry
 * waiting out its Retry-After counts —, prioritized, waiting for children, paused). This is how a
 * test says "nothing more will arrive" (no second message, no redo): a fixed sleep passes on a
 * slow machine whether or not the extra job would have come. `prefix` is the backend's
 * (queue/bullmq-queue.ts: `egresswatch` unless the test named its own).
 */
export async function queuesDrained(redisUrl: string, names: readonly string[], options: EventuallyOptions & { prefix?: string } = {}): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queues = names.map((name) => new Queue(name, { connection, prefix: options.prefix ?? 'egresswatch' }));
  try {
    await eventually(async () => {
      for (const queue of queues) {
        const counts = await queue.getJobCounts(...PENDING);
        const pending = Object.entries(counts).filter(([, n]) => n > 0);
        if (pending.length > 0) throw new Error(`queue ${queue.name} still holds ${pending.map(([state, n]) => `${n} ${state}`).join(', ')}`);
      }
    }, options);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    await connection.quit();
  }
}
