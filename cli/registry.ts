import type { Command } from './command.js';

/**
 * Every `egresswatch` command, loaded lazily so that `--help` and light commands do not pay for
 * the ClickHouse engine or the OTel SDK. Add a command: one file in cli/commands/, one line here.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: { summary: 'embedded all-in-one: migrate, collector, worker, scheduler, console', load: async () => (await import('./commands/start.js')).startCommand },
  collector: { summary: 'the collector role alone (scale-out: ClickHouse server + Redis)', load: async () => (await import('./commands/collector.js')).collectorCommand },
  migrate: { summary: 'apply schema migrations', load: async () => (await import('./commands/migrate.js')).migrateCommand },
  vendors: { summary: 'the inventory and data map: vendors, routes, fields, PII classes', load: async () => (await import('./commands/vendors.js')).vendorsCommand },
};
