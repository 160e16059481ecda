import type { z } from 'zod';
import type { Config } from '../../common/config/index.js';
import { terminalJson, visible } from '../../common/display-text.js';
import { ConfigError } from '../../common/errors.js';
import type { AlertStatus } from '../../common/types.js';
import { policyViolations } from '../../alerts/policy.js';
import { addSilence, expireSilence, listSilences, markSilenced } from '../../alerts/silence-service.js';
import { selectRequestPiiFlows } from '../../storage/alert-policy-store.js';
import { listAlerts, type StoredAlert } from '../../storage/alert-store.js';
import type { Store } from '../../storage/store.js';
import { ALERT_STATUSES, API, type ListedAlert } from '../api-contract.js';
import { apiRoute, type ApiRoute } from '../api-routes.js';
import { apiTimeMs } from '../api-time.js';
import { boolFlag, defineCommand, parseDurationMs, stringFlag } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { countOf } from '../count-text.js';
import { withStoreOrApi } from '../store-access.js';

function parseStatus(raw: string | undefined): AlertStatus | undefined {
  if (raw === undefined) return undefined;
  if ((ALERT_STATUSES as readonly string[]).includes(raw)) return raw as AlertStatus;
  throw new ConfigError(`--status: '${raw}' is not a status; use firing or resolved`);
}

/** Drops the storage-only `updatedAt`: the JSON output is the docs/ARCHITECTURE.md alert object (plus `silencedBy` when silenced). */
function designObject(a: ListedAlert): Omit<ListedAlert, 'updatedAt'> {
  const { updatedAt: _updatedAt, ...alert } = a;
  return alert;
}

/**
 * The text listing; every substituted value goes through `visible` (an ESC in a vendor name
 * shows as `\x1b`). A firing alert that a silence keeps from the receivers says so, by silence id.
 */
export function renderAlerts(alerts: ListedAlert[], status: AlertStatus | undefined): string {
  if (alerts.length === 0) return status ? `no ${status} alerts\n` : 'no alerts yet\n';
  const lines = alerts.map((a) => {
    const where = [a.service || '*', a.route, a.field].filter(Boolean).join(' ');
    const when = a.status === 'resolved' && a.endsAt ? `${a.startsAt} → ${a.endsAt}` : `since ${a.startsAt}`;
    const silenced = a.silencedBy ? `  [silenced by ${a.silencedBy.join(', ')}]` : '';
    return visible`${a.status.padEnd(8)} ${a.severity.padEnd(8)} ${a.kind.padEnd(15)} ${a.vendor}  ${where}${silenced}\n         ${a.summary}\n         ${when}  fingerprint ${a.fingerprint}  runbook ${a.runbook_url}`;
  });
  const silencedCount = alerts.filter((a) => a.silencedBy).length;
  return lines.join('\n') + '\n' + (silencedCount > 0 ? `${countOf(silencedCount, 'firing alert')} silenced: not sent to any receiver (egresswatch silence list)\n` : '');
}

/**
 * The alerts an `/api/alerts` query names. `from`/`to` (the console's time range): alerts that
 * fired at some time in the range. One still firing may have last changed long before `from`; one
 * resolved within or after the range changed at or after `from`: the two reads together hold
 * every such alert.
 */
async function alertsInQuery(store: Store, q: z.output<(typeof API.alerts)['query']>): Promise<StoredAlert[]> {
  const sinceMs = q.since ? Date.now() - parseDurationMs(q.since, 'since') : undefined;
  const ofVendor = (alerts: StoredAlert[]): StoredAlert[] => (q.vendor === undefined ? alerts : alerts.filter((a) => a.vendor === q.vendor));
  if (q.from === undefined && q.to === undefined) return ofVendor(await listAlerts(store, { status: q.status, fingerprint: q.fingerprint, sinceMs }));
  const now = Date.now();
  const fromMs = q.from === undefined ? 0 : apiTimeMs(q.from, 'from', now);
  const toMs = q.to === undefined ? now : apiTimeMs(q.to, 'to', now);
  const [firing, changed] = await Promise.all([
    listAlerts(store, { status: 'firing', fingerprint: q.fingerprint, limit: 10_000 }),
    listAlerts(store, { fingerprint: q.fingerprint, sinceMs: Math.max(fromMs, sinceMs ?? 0), limit: 10_000 }),
  ]);
  const byFingerprint = new Map([...firing, ...changed].map((a) => [a.fingerprint, a]));
  const overlapping = [...byFingerprint.values()].filter(
    (a) => Date.parse(a.startsAt) <= toMs && (a.endsAt === undefined || Date.parse(a.endsAt) >= fromMs) && (q.status === undefined || a.status === q.status),
  );
  return ofVendor(overlapping).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.fingerprint.localeCompare(b.fingerprint));
}

export const alertsCommand = defineCommand({
  name: 'alerts',
  summary: 'current and recent alerts (latest state per fingerprint)',
  usage: '[--status firing|resolved] [--since 7d] [--json] [--config FILE]',
  options: { ...configOption, status: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } },
  async run(args) {
    const config = configFromArgs(args);
    const status = parseStatus(stringFlag(args, 'status'));
    const since = stringFlag(args, 'since');
    const sinceMs = since ? Date.now() - parseDurationMs(since, '--since') : undefined;
    const alerts = await withStoreOrApi<ListedAlert[]>(config, {
      local: async (store) => markSilenced(store, await listAlerts(store, { status, sinceMs })),
      api: (call) => call(API.alerts, { query: { status, since: since || undefined } }),
    });
    process.stdout.write(boolFlag(args, 'json') ? terminalJson(alerts.map(designObject)) + '\n' : renderAlerts(alerts, status));
    return 0;
  },
});

/**
 * The JSON API routes of alerts, silences and the policy gate, for the running instance
 * (`registerApiRoutes(app, store, token, alertApiRoutes(config))`). The CLI commands call the
 * same paths when `start` owns the store.
 */
export function alertApiRoutes(config: Pick<Config, 'vendors'>): ApiRoute[] {
  return [
    apiRoute(API.alerts, async ({ query: q }, store) => markSilenced(store, await alertsInQuery(store, q))),
    apiRoute(API.silences, async (_input, store) => listSilences(store)),
    apiRoute(API.addSilence, async ({ body: b }, store) =>
      addSilence(store, { matchers: b.matchers, durationMs: parseDurationMs(b.duration, 'duration'), comment: b.comment, createdBy: b.createdBy }),
    ),
    apiRoute(API.expireSilence, async ({ params }, store) => expireSilence(store, params.id)),
    apiRoute(API.policy, async ({ query: q }, store) => {
      const sinceMs = Date.now() - parseDurationMs(q.since ?? '7d', 'since');
      // The flows come along so that `policy check --policy FILE` can judge them by its own file.
      return { ...(await policyViolations(store, sinceMs, config)), flows: await selectRequestPiiFlows(store, sinceMs) };
    }),
  ];
}
