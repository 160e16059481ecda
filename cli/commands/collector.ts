import { defineCommand, intFlag, stringFlag } from '../command.js';
import { startCollectorRole } from '../collector-role.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { describeListenError, untilSignal } from '../lifecycle.js';
import { assertCanListen, listenProblem } from '../port-check.js';
import { openConfiguredStore } from '../store-access.js';

export const collectorCommand = defineCommand({
  name: 'collector',
  summary: 'the collector role alone, for scale-out behind a load balancer (ClickHouse server)',
  usage: '[--host H] [--port P] [--config FILE]',
  options: { ...configOption, host: { type: 'string' }, port: { type: 'string' } },
  async run(args) {
    const config = configFromArgs(args);
    const host = stringFlag(args, 'host') ?? config.collector.host;
    const port = intFlag(args, 'port', 0, 65535) ?? config.collector.port;
    // As `start`: a port in use is said before the store is opened, with no engine output.
    await assertCanListen(host, port);
    const store = await openConfiguredStore(config);
    let collector;
    try {
      collector = await startCollectorRole(config, store, { host, port });
    } catch (err) {
      await store.close();
      const code = (err as NodeJS.ErrnoException).code;
      throw code ? listenProblem(err as NodeJS.ErrnoException, host, port) : describeListenError(err, port);
    }
    process.stdout.write(`egresswatch collector listening on ${collector.url}/v1/traces\n`);
    return untilSignal([
      ['collector', () => collector.close()],
      ['store', () => store.close()],
    ]);
  },
});
