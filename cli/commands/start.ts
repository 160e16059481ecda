import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../common/errors.js';
import { openQueueRuntime } from '../../queue/backend.js';
import { intFlag, stringFlag, type Command } from '../command.js';
import { registerApiRoutes } from '../api-routes.js';
import { startCollectorRole } from '../collector-role.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { processAlive, readInstanceFile, removeInstanceFile, writeInstanceFile } from '../instance-file.js';
import { describeListenError, untilSignal } from '../lifecycle.js';
import { openConfiguredStore } from '../store-access.js';

export const startCommand: Command = {
  name: 'start',
  summary: 'embedded all-in-one: migrate, collector, worker, scheduler, console, JSON API',
  usage: '[--host H] [--port P] [--config FILE]',
  options: { ...configOption, host: { type: 'string' }, port: { type: 'string' } },
  async run(args) {
    const config = configFromArgs(args);
    const host = stringFlag(args, 'host') ?? config.collector.host;
    const port = intFlag(args, 'port', 0, 65535) ?? config.collector.port;
    const dataDir = resolve(config.data_dir);
    mkdirSync(dataDir, { recursive: true });
    const running = readInstanceFile(dataDir);
    if (running && running.pid !== process.pid && processAlive(running.pid)) {
      throw new ConfigError(`egresswatch is already running on ${dataDir} at ${running.url} (pid ${running.pid}); stop it first or use another EGRESSWATCH_DATA_DIR`);
    }

    const store = await openConfiguredStore(config);
    const queue = await openQueueRuntime({ redisUrl: config.redis.url, dataDir, embedded: true });
    const apiToken = randomBytes(24).toString('hex');
    let collector;
    try {
      collector = await startCollectorRole(config, store, {
        host,
        port,
        routes: (app) => registerApiRoutes(app, store, apiToken),
      });
    } catch (err) {
      await queue.close();
      await store.close();
      throw describeListenError(err, port);
    }
    writeInstanceFile(dataDir, { url: collector.url, pid: process.pid, apiToken, startedAt: new Date().toISOString() });

    process.stdout.write(
      [
        'egresswatch is running',
        `  OTLP/HTTP  ${collector.url}/v1/traces   (point OTEL_EXPORTER_OTLP_ENDPOINT at ${collector.url})`,
        `  API        ${collector.url}/api/vendors`,
        `  health     ${collector.url}/healthz  ${collector.url}/readyz  ${collector.url}/metrics`,
        `  store      ${store.transport === 'embedded' ? `embedded ClickHouse (chDB) in ${store.enginePath}` : 'ClickHouse server'}`,
        `  queue      ${queue.redisUrl ? `BullMQ on ${queue.redisUrl}` : 'in-process (no Redis)'}`,
        '  stop with Ctrl-C',
        '',
      ].join('\n'),
    );

    return untilSignal([
      ['collector', () => collector.close()],
      ['queue', () => queue.close()],
      ['store', () => store.close()],
      ['instance file', async () => removeInstanceFile(dataDir)],
    ]);
  },
};
