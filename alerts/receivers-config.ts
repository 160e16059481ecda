import type { AlertsConfig, ReceiverConfig } from '../common/config/alerts.js';
import { ConfigError } from '../common/errors.js';

/** PagerDuty Events API v2 enqueue endpoint (docs/ARCHITECTURE.md default for PAGERDUTY_EVENTS_URL). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** A receiver with everything it needs to deliver; secrets inside are never logged. */
export type ResolvedReceiver =
  | { name: string; type: 'slack'; url: string }
  | { name: string; type: 'pagerduty'; url: string; routingKey: string }
  | { name: string; type: 'webhook'; url: string; secret: string | undefined };

/**
 * Merges `alerts.receivers` with env: `SLACK_WEBHOOK_URL`, `PAGERDUTY_ROUTING_KEY` (+
 * `PAGERDUTY_EVENTS_URL`), `EGRESSWATCH_WEBHOOK_URL` (+ `EGRESSWATCH_WEBHOOK_SECRET`) complete the
 * first receiver of their type, or add one named after the type. Throws a ConfigError naming each
 * receiver that lacks its URL or key.
 */
export function resolveReceivers(config: Pick<AlertsConfig, 'receivers'>, env: NodeJS.ProcessEnv): ResolvedReceiver[] {
  const list: ReceiverConfig[] = config.receivers.map((r) => ({ ...r }));
  const complete = (type: ReceiverConfig['type'], patch: Partial<ReceiverConfig>): void => {
    const existing = list.find((r) => r.type === type);
    if (existing) {
      for (const [k, v] of Object.entries(patch)) if ((existing as Record<string, unknown>)[k] === undefined) (existing as Record<string, unknown>)[k] = v;
    } else if (!list.some((r) => r.name === type)) {
      list.push({ name: type, type, ...patch });
    }
  };
  const slackUrl = env['SLACK_WEBHOOK_URL'];
  if (slackUrl) complete('slack', { url: slackUrl });
  const pdKey = env['PAGERDUTY_ROUTING_KEY'];
  if (pdKey) complete('pagerduty', { routing_key: pdKey, ...(env['PAGERDUTY_EVENTS_URL'] ? { url: env['PAGERDUTY_EVENTS_URL'] } : {}) });
  const hookUrl = env['EGRESSWATCH_WEBHOOK_URL'];
  if (hookUrl) complete('webhook', { url: hookUrl, ...(env['EGRESSWATCH_WEBHOOK_SECRET'] ? { secret: env['EGRESSWATCH_WEBHOOK_SECRET'] } : {}) });
  else if (env['EGRESSWATCH_WEBHOOK_SECRET']) {
    const hook = list.find((r) => r.type === 'webhook');
    if (hook && hook.secret === undefined) hook.secret = env['EGRESSWATCH_WEBHOOK_SECRET'];
  }

  const problems: string[] = [];
  const out: ResolvedReceiver[] = [];
  for (const r of list) {
    if (r.type === 'slack') {
      if (!r.url) problems.push(`alerts.receivers ${r.name} (slack): no url — set url or SLACK_WEBHOOK_URL`);
      else out.push({ name: r.name, type: 'slack', url: checkUrl(r.url, r.name, problems) });
    } else if (r.type === 'pagerduty') {
      const url = r.url ?? env['PAGERDUTY_EVENTS_URL'] ?? PAGERDUTY_EVENTS_URL;
      if (!r.routing_key) problems.push(`alerts.receivers ${r.name} (pagerduty): no routing_key — set routing_key or PAGERDUTY_ROUTING_KEY`);
      else out.push({ name: r.name, type: 'pagerduty', url: checkUrl(url, r.name, problems), routingKey: r.routing_key });
    } else {
      if (!r.url) problems.push(`alerts.receivers ${r.name} (webhook): no url — set url or EGRESSWATCH_WEBHOOK_URL`);
      else out.push({ name: r.name, type: 'webhook', url: checkUrl(r.url, r.name, problems), secret: r.secret });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return out;
}

function checkUrl(url: string, name: string, problems: string[]): string {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`alerts.receivers ${name}: the URL must be http(s)`);
  } catch {
    // The URL may hold a secret (Slack's does): say it is invalid without echoing it.
    problems.push(`alerts.receivers ${name}: the URL is not a valid URL`);
  }
  return url;
}
