import type { Command } from './command.js';

/**
 * Every `egresswatch` command, loaded lazily so that `--help` and light commands do not pay for
 * the ClickHouse engine or the OTel SDK. Add a command: one file in cli/commands/, one line here.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: { summary: 'embedded all-in-one: migrate, collector, worker, scheduler, console', load: async () => (await import('./commands/start.js')).startCommand },
  collector: { summary: 'the collector role alone (scale-out: ClickHouse server + Redis)', load: async () => (await import('./commands/collector.js')).collectorCommand },
  worker: { summary: 'the worker role alone: detection and notification jobs (scale-out: Redis)', load: async () => (await import('./commands/worker.js')).workerCommand },
  migrate: { summary: 'apply schema migrations', load: async () => (await import('./commands/migrate.js')).migrateCommand },
  vendors: { summary: 'the inventory and data map: vendors, routes, fields, PII classes', load: async () => (await import('./commands/vendors.js')).vendorsCommand },
  detect: { summary: 'replay the detectors over a past window as if live and print the alerts (read-only unless --record/--notify)', load: async () => (await import('./commands/detect.js')).detectCommand },
  backtest: { summary: 'run the production volume detector over NAB-format CSV series', load: async () => (await import('./commands/backtest.js')).backtestCommand },
  alerts: { summary: 'current and recent alerts', load: async () => (await import('./commands/alerts.js')).alertsCommand },
  'console-link': { summary: 'a new one-time login link to the console of the running start', load: async () => (await import('./commands/console-link.js')).consoleLinkCommand },
  silence: { summary: 'silence alerts by label matchers: add, list, expire', load: async () => (await import('./commands/silence.js')).silenceCommand },
  demo: { summary: 'the pipeline on synthetic SDK traffic with an injected incident; shows the alerts', load: async () => (await import('./commands/demo.js')).demoCommand },
  policy: { summary: 'CI gate: exit 1 on PII sent to a vendor that its policy does not allow', load: async () => (await import('./commands/policy.js')).policyCommand },
  record: { summary: 'record OTLP/HTTP spans into an OTLP/JSON file for `policy check --spans` (CI)', load: async () => (await import('./commands/record.js')).recordCommand },
  map: { summary: 'data-flow diagram: services → vendors with PII classes, tier, risk and legal basis (Mermaid, DOT, SVG)', load: async () => (await import('./commands/map.js')).mapCommand },
  register: { summary: 'privacy register export: flows per service, vendor and route with register entries (CSV, JSON, Markdown)', load: async () => (await import('./commands/register.js')).registerCommand },
};
