import { ConfigError } from '../../common/errors.js';
import { openQueueRuntime } from '../../queue/backend.js';
import { boolFlag, defineCommand } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { untilSignal } from '../lifecycle.js';
import { openConfiguredStore } from '../store-access.js';
import { startWorkerRole } from '../../app/worker-role.js';

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'the worker role alone (detection and notification jobs), for scale-out on Redis',
  usage: '[--no-scheduler] [--config FILE]',
  options: { ...configOption, 'no-scheduler': { type: 'boolean' } },
  async run(args) {
    const config = configFromArgs(args);
    if (!config.redis.url) {
      throw new ConfigError('the worker role needs Redis to share jobs with other processes: set REDIS_URL (or redis.url); for one process use `egresswatch start`');
    }
    if (!config.clickhouse.url) {
      throw new ConfigError('the worker role needs a ClickHouse server shared with the collectors: set EGRESSWATCH_CLICKHOUSE_URL; for one process use `egresswatch start`');
    }
    const store = await openConfiguredStore(config);
    const queue = await openQueueRuntime({ redisUrl: config.redis.url, dataDir: config.data_dir, embedded: false });
    const worker = await startWorkerRole(config, store, queue, { scheduler: !boolFlag(args, 'no-scheduler') });
    process.stdout.write(`egresswatch worker running (step ${config.detection.step_seconds} s, queue on ${config.redis.url.replace(/\/\/[^@]*@/, '//')})\n`);
    return untilSignal([
      ['worker', () => worker.close()],
      ['queue', () => queue.close()],
      ['store', () => store.close()],
    ]);
  },
});
