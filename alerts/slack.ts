import { IncomingWebhook } from '@slack/webhook';
import { PermanentDeliveryError, RetryableDeliveryError } from '../common/errors.js';
import type { Alert } from '../common/types.js';
import { statusError } from './http-delivery.js';
import { detailPairs, fieldDiffLines, oneLine, shortTime, truncate, valueVsExpected, whereText } from './message-text.js';
import type { NotificationJob } from './routing.js';

/** Slack's limits: 50 blocks per message, header 150 chars, section/context text 3000, button text 75. */
const MAX_BLOCKS = 50;
const HEADER_MAX = 150;
const TEXT_MAX = 3000;
const BUTTON_TEXT_MAX = 75;
const URL_MAX = 3000;
/** header + 3 blocks per alert + "and N more" stays within 50 blocks. */
const MAX_ALERTS_SHOWN = 15;

export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const SEVERITY_ICON = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' } as const;

/** The Block Kit message for one notification: what happened, where, and buttons to act. */
export function slackMessage(job: NotificationJob): SlackMessage {
  const all = [...job.alerts, ...job.inhibited];
  const first = all[0];
  const severity = worstSeverity(all);
  const resolved = job.status === 'resolved';
  const kinds = [...new Set(all.map((a) => a.kind))].join(' + ');
  const title = resolved
    ? `:white_check_mark: RESOLVED · ${kinds} · ${job.groupLabels.vendor}`
    : `${SEVERITY_ICON[severity]} ${severity.toUpperCase()} · ${kinds} · ${job.groupLabels.vendor}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, HEADER_MAX), emoji: true } }];
  all.slice(0, MAX_ALERTS_SHOWN).forEach((alert, i) => blocks.push(...alertBlocks(alert, resolved, i)));
  if (all.length > MAX_ALERTS_SHOWN) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${all.length - MAX_ALERTS_SHOWN} more alerts in this group.` } });
  }
  const fallback = `[${resolved ? 'RESOLVED' : `FIRING:${all.length}`}] ${first ? oneLine(first) : job.groupKey}${all.length > 1 ? ` (+${all.length - 1} more)` : ''}`;
  return { text: truncate(fallback, TEXT_MAX), blocks: blocks.slice(0, MAX_BLOCKS) };
}

function alertBlocks(alert: Alert, resolved: boolean, index: number): SlackBlock[] {
  const lines = [`*${escape(alert.summary)}*`, escape(whereText(alert))];
  const numbers = valueVsExpected(alert);
  if (numbers) lines.push(numbers);
  const diff = fieldDiffLines(alert);
  if (diff.length > 0) lines.push('```' + escape(diff.join('\n')) + '```');
  const diffKeys = new Set(['added', 'removed', 'type_changed']);
  const details = detailPairs(alert).filter(([k]) => diff.length === 0 || !diffKeys.has(k));
  if (details.length > 0) lines.push(details.map(([k, v]) => `${escape(k)}: \`${escape(v)}\``).join('\n'));
  const window = resolved && alert.endsAt ? `${shortTime(alert.startsAt)} – ${shortTime(alert.endsAt)}` : `since ${shortTime(alert.startsAt)}`;
  const buttons: SlackBlock[] = [button('Runbook', alert.runbook_url, `runbook_${index}`, true)];
  const dashboard = alert.annotations['dashboard_url'];
  if (dashboard) buttons.push(button('Dashboard', dashboard, `dashboard_${index}`, false));
  return [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), TEXT_MAX) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(`${window} · ${alert.severity} · fingerprint \`${alert.fingerprint}\``, TEXT_MAX) }] },
    { type: 'actions', elements: buttons },
  ];
}

function button(text: string, url: string, actionId: string, primary: boolean): SlackBlock {
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(text, BUTTON_TEXT_MAX) },
    url: url.slice(0, URL_MAX),
    action_id: actionId,
    ...(primary ? { style: 'primary' } : {}),
  };
}

function worstSeverity(alerts: readonly Alert[]): Alert['severity'] {
  if (alerts.some((a) => a.severity === 'critical')) return 'critical';
  if (alerts.some((a) => a.severity === 'warning')) return 'warning';
  return 'info';
}

/** Slack mrkdwn control characters. */
function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Posts to a Slack incoming webhook. Slack answers 200 `ok`; 429 carries Retry-After; 4xx such
 * as `invalid_payload` or `no_service` will not get better by retrying.
 */
export async function sendSlack(receiver: string, url: string, message: SlackMessage, timeoutMs: number): Promise<number> {
  // retries: 0 — the queue retries, so that every attempt is recorded and Retry-After honoured.
  const hook = new IncomingWebhook(url, { timeout: timeoutMs, retryConfig: { retries: 0 } });
  try {
    const result = await hook.send(message);
    if (result.text !== 'ok') throw new PermanentDeliveryError(`${receiver}: unexpected Slack answer '${truncate(String(result.text), 80)}'`);
    return 200;
  } catch (err) {
    if (err instanceof PermanentDeliveryError) throw err;
    const original = (err as { original?: { response?: { status: number; headers?: Record<string, string>; data?: unknown } } }).original;
    const response = original?.response;
    if (response) throw statusError(receiver, response.status, response.headers?.['retry-after'], typeof response.data === 'string' ? response.data : '');
    // Neither the axios error nor its config may be logged: they carry the webhook URL.
    throw new RetryableDeliveryError(`${receiver}: Slack webhook unreachable`, undefined);
  }
}
