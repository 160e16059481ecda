import { terminalJson, visible } from '../../common/display-text.js';
import type { Alert } from '../../common/types.js';
import { ConfigError } from '../../common/errors.js';
import { createNotifier } from '../../alerts/notifier.js';
import { openQueueRuntime } from '../../queue/backend.js';
import { boolFlag, parseDurationMs, parseTimeMs, stringFlag, type Command } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { replayDetection, type ReplayResult } from '../replay.js';
import { withStoreOrApi } from '../store-access.js';

/** The replay request, as the CLI sends it to a running instance's API too. */
export interface DetectRequest {
  from: number;
  to: number;
  step: number;
  notify: boolean;
}

/** Validates and resolves `--from/--to/--step`. */
export function detectRequest(args: { from?: string | undefined; to?: string | undefined; step?: string | undefined; notify?: boolean }, nowMs = Date.now()): DetectRequest {
  if (!args.from || !args.to) throw new ConfigError('detect needs --from and --to (RFC 3339 or now-2h style)');
  const from = parseTimeMs(args.from, '--from', nowMs);
  const to = parseTimeMs(args.to, '--to', nowMs);
  const step = parseDurationMs(args.step ?? '1m', '--step');
  if (to <= from) throw new ConfigError(`--to (${new Date(to).toISOString()}) must be after --from (${new Date(from).toISOString()})`);
  if (step < 10_000 || step > 86_400_000) throw new ConfigError('--step must be between 10s and 1d');
  if ((to - from) / step > 100_000) throw new ConfigError(`--from..--to holds ${Math.round((to - from) / step)} steps; use a larger --step or a shorter window (at most 100000)`);
  return { from, to, step, notify: args.notify === true };
}

/** The text listing; every substituted value goes through `visible` (an ESC in a vendor name shows as `\x1b`). */
export function renderDetect(result: Pick<ReplayResult, 'alerts' | 'deliveries'>): string {
  if (result.alerts.length === 0) return 'no alerts in that window\n';
  const lines = result.alerts.map((a: Alert) => {
    const when = a.status === 'resolved' ? `${a.startsAt} → ${a.endsAt ?? ''}` : a.startsAt;
    return visible`${a.status.padEnd(8)} ${a.severity.padEnd(8)} ${a.kind.padEnd(15)} ${a.vendor}${a.service ? ` ← ${a.service}` : ''}  ${when}\n         ${a.summary}\n         runbook: ${a.runbook_url}`;
  });
  const outcomes = Object.values(result.deliveries);
  if (outcomes.length > 0) {
    lines.push(`notifications: ${outcomes.filter((o) => o === 'completed').length} delivered, ${outcomes.filter((o) => o === 'failed').length} failed`);
  }
  return lines.join('\n') + '\n';
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'replay the detectors over a past window as if live at each step; store and print the alerts',
  usage: '--from T --to T [--step 1m] [--json] [--notify] [--config FILE]',
  options: { ...configOption, from: { type: 'string' }, to: { type: 'string' }, step: { type: 'string' }, json: { type: 'boolean' }, notify: { type: 'boolean' } },
  async run(args) {
    const config = configFromArgs(args);
    const request = detectRequest({ from: stringFlag(args, 'from'), to: stringFlag(args, 'to'), step: stringFlag(args, 'step'), notify: boolFlag(args, 'notify') });
    const result = await withStoreOrApi<ReplayResult>(config, {
      local: async (store) => {
        if (!request.notify) return replayDetection(store, config, { fromMs: request.from, toMs: request.to, stepMs: request.step });
        const queue = await openQueueRuntime({ redisUrl: config.redis.url, dataDir: config.data_dir, embedded: false });
        const notifier = createNotifier({ store, backend: queue.backend, config, work: true });
        try {
          return await replayDetection(store, config, { fromMs: request.from, toMs: request.to, stepMs: request.step, notifier });
        } finally {
          await notifier.close();
          await queue.close();
        }
      },
      // A long replay with --notify waits for deliveries (up to 10 min) on the server side.
      api: { method: 'POST', path: '/api/detect', body: request, timeoutMs: 30 * 60_000 },
    });
    process.stdout.write(boolFlag(args, 'json') ? terminalJson(result.alerts) + '\n' : renderDetect(result));
    return Object.values(result.deliveries).includes('failed') ? 1 : 0;
  },
};
