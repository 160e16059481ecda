import { resolve } from 'node:path';
import { ConfigError } from '../../common/errors.js';
import type { ConsoleSessions } from '../../dashboards/console-sessions.js';
import { API } from '../api-contract.js';
import { apiRoute, type ApiRoute } from '../api-routes.js';
import { defineCommand } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { apiCall, runningInstance } from '../store-access.js';

/**
 * `egresswatch console-link`: a new one-time login link to the console of the `start` running on
 * this data dir, for whoever lost the one `start` printed or used it already. It asks the
 * instance's API with the token from instance.json, so only a user who can read that 0600 file
 * (the one who started it, or root) gets a link.
 */
export const consoleLinkCommand = defineCommand({
  name: 'console-link',
  summary: 'a new one-time login link to the console of the running `egresswatch start`',
  usage: '[--config FILE]',
  options: { ...configOption },
  async run(args) {
    const config = configFromArgs(args);
    const instance = runningInstance(config);
    if (!instance) {
      throw new ConfigError(`no egresswatch is running on ${resolve(config.data_dir)}: run \`egresswatch start\` (it prints a login link), or point --config / EGRESSWATCH_DATA_DIR at the running one`);
    }
    const link = await apiCall(instance, API.loginLinks);
    process.stdout.write(`${new URL(link.path, instance.url).href}\n(open it in a browser on this machine; it works once, until ${link.expiresAt})\n`);
    return 0;
  },
});

/** The API route behind `console-link`, for the running instance. */
export function consoleLinkRoute(sessions: ConsoleSessions): ApiRoute {
  return apiRoute(API.loginLinks, async () => {
    const { code, expiresAt } = sessions.mintCode();
    return { path: `/login?code=${code}`, expiresAt: new Date(expiresAt).toISOString() };
  });
}
