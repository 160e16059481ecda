import { defineCommand } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { API } from '../api-contract.js';
import { withStoreOrApi } from '../store-access.js';
import { migrate } from '../../storage/migrate.js';

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'apply schema migrations (start does this too)',
  usage: '[--config FILE]',
  options: { ...configOption },
  async run(args) {
    const config = configFromArgs(args);
    // withStoreOrApi migrates when it opens the store; a running instance has migrated already.
    await withStoreOrApi(config, { local: (store) => migrate(store, { retentionDays: config.retention_days }), api: async (call) => void (await call(API.health)) });
    process.stdout.write('schema is up to date\n');
    return 0;
  },
});
