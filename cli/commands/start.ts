import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../common/errors.js';
import { instanceUrl, linkBase, withListenUrl } from '../../alerts/links.js';
import { registerConsoleRoutes } from '../../dashboards/console-routes.js';
import { ConsoleSessions } from '../../dashboards/console-sessions.js';
import { openQueueRuntime } from '../../queue/backend.js';
import { defineCommand, intFlag, stringFlag } from '../command.js';
import { registerApiRoutes } from '../api-routes.js';
import { startCollectorRole } from '../collector-role.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { processAlive, readInstanceFile, removeInstanceFile, writeInstanceFile } from '../instance-file.js';
import { describeListenError, untilSignal } from '../lifecycle.js';
import { assertCanListen, listenProblem } from '../port-check.js';
import { mapApiRoutes } from '../map-api.js';
import { privacyRegisterApiRoutes } from '../register-api.js';
import { registerRunbookRoutes } from '../runbook-routes.js';
import { seriesApiRoutes } from '../series-api.js';
import { openConfiguredStore } from '../store-access.js';
import { startWorkerRole, type WorkerRole } from '../../app/worker-role.js';
import { alertApiRoutes } from './alerts.js';
import { consoleLinkRoute } from './console-link.js';
import { detectApiRoutes } from './detect.js';

export const startCommand = defineCommand({
  name: 'start',
  summary: 'embedded all-in-one: migrate, collector, worker, scheduler, console, JSON API',
  usage: '[--host H] [--port P] [--config FILE]',
  options: { ...configOption, host: { type: 'string' }, port: { type: 'string' } },
  async run(args) {
    const loaded = configFromArgs(args);
    const host = stringFlag(args, 'host') ?? loaded.collector.host;
    const port = intFlag(args, 'port', 0, 65535) ?? loaded.collector.port;
    const dataDir = resolve(loaded.data_dir);
    mkdirSync(dataDir, { recursive: true });
    const running = readInstanceFile(dataDir);
    if (running && running.pid !== process.pid && processAlive(running.pid)) {
      throw new ConfigError(`egresswatch is already running on ${dataDir} at ${running.url} (pid ${running.pid}); stop it first or use another EGRESSWATCH_DATA_DIR`);
    }
    await assertCanListen(host, port);

    const store = await openConfiguredStore(loaded);
    const queue = await openQueueRuntime({ redisUrl: loaded.redis.url, dataDir, embedded: true });
    const apiToken = randomBytes(24).toString('hex');
    const sessions = new ConsoleSessions();
    // The worker needs the collector's real address for runbook links, so it starts after
    // the listener; routes that need it look it up when called.
    const live: { worker?: WorkerRole } = {};
    let config = loaded;
    const detectRoutes = detectApiRoutes({ config: () => config, notifier: () => live.worker?.notifier });
    let collector;
    try {
      collector = await startCollectorRole(loaded, store, {
        host,
        port,
        routes: (app) => {
          registerApiRoutes(app, store, apiToken, [...alertApiRoutes(loaded), ...seriesApiRoutes(loaded), ...privacyRegisterApiRoutes(loaded), ...mapApiRoutes(loaded), ...detectRoutes, consoleLinkRoute(sessions)], { sessions });
          registerRunbookRoutes(app);
          registerConsoleRoutes(app, { sessions });
        },
      });
    } catch (err) {
      await queue.close();
      await store.close();
      const code = (err as NodeJS.ErrnoException).code;
      throw code ? listenProblem(err as NodeJS.ErrnoException, host, port) : describeListenError(err, port);
    }
    // Runbook links point where this instance really listens (`--port 0` picked a port), unless
    // EGRESSWATCH_EXTERNAL_URL or alerts.runbook_base_url says how users reach it.
    const links = linkBase(loaded, collector.url);
    const instance = instanceUrl(loaded, collector.url);
    config = withListenUrl(loaded, collector.url);
    let worker: WorkerRole;
    try {
      worker = await startWorkerRole(config, store, queue, { scheduler: true });
    } catch (err) {
      // E.g. a receiver without its URL: say so and let go of the port, the store and Redis.
      await collector.close();
      await queue.close();
      await store.close();
      throw err;
    }
    live.worker = worker;
    writeInstanceFile(dataDir, { url: collector.url, pid: process.pid, apiToken, startedAt: new Date().toISOString() });
    // The console's way in: a link that works once, for 10 minutes; `egresswatch console-link`
    // asks this instance for another. The page itself holds no secret.
    const login = sessions.mintCode();

    process.stdout.write(
      [
        'egresswatch is running',
        `  OTLP/HTTP  ${instance.url}/v1/traces   (point OTEL_EXPORTER_OTLP_ENDPOINT at ${instance.url})`,
        `  console    ${instance.url}/login?code=${login.code}`,
        '             (one-time login link, valid 10 min; `egresswatch console-link` prints a new one)',
        `  runbooks   ${links.url}/runbooks`,
        ...(links.loopbackOnly || instance.loopbackOnly
          ? [`             (listening on ${host}, but links name 127.0.0.1: set EGRESSWATCH_EXTERNAL_URL to the address others reach this instance by)`]
          : []),
        `  health     ${instance.url}/healthz  ${instance.url}/readyz  ${instance.url}/metrics`,
        `  store      ${store.transport === 'embedded' ? `embedded ClickHouse (chDB) in ${store.enginePath}` : 'ClickHouse server'}`,
        `  queue      ${queue.redisUrl ? `BullMQ on ${queue.redisUrl.replace(/\/\/[^@/]*@/, '//')}` : 'in-process (no Redis: jobs do not survive a restart)'}`,
        `  detection  every ${config.detection.step_seconds} s; receivers: ${worker.notifier.receivers.map((r) => r.name).join(', ') || 'none configured (alerts are stored and listed only)'}`,
        '  stop with Ctrl-C',
        '',
      ].join('\n'),
    );

    return untilSignal([
      ['collector', () => collector.close()],
      ['worker', () => worker.close()],
      ['queue', () => queue.close()],
      ['store', () => store.close()],
      ['instance file', async () => removeInstanceFile(dataDir)],
    ]);
  },
});
