import { defineCommand, intFlag, stringFlag } from '../command.js';
import { startCollectorRole } from '../collector-role.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { describeListenError, untilSignal } from '../lifecycle.js';
import { openConfiguredStore } from '../store-access.js';

export const collectorCommand = defineCommand({
  name: 'collector',
  summary: 'the collector role alone, for scale-out behind a load balancer (ClickHouse server)',
  usage: '[--host H] [--port P] [--config FILE]',
  options: { ...configOption, host: { type: 'string' }, port: { type: 'string' } },
  async run(args) {
    const config = configFromArgs(args);
    const port = intFlag(args, 'port', 0, 65535) ?? config.collector.port;
    const store = await openConfiguredStore(config);
    let collector;
    try {
      collector = await startCollectorRole(config, store, { host: stringFlag(args, 'host'), port });
    } catch (err) {
      await store.close();
      throw describeListenError(err, port);
    }
    process.stdout.write(`egresswatch collector listening on ${collector.url}/v1/traces\n`);
    return untilSignal([
      ['collector', () => collector.close()],
      ['store', () => store.close()],
    ]);
  },
});
