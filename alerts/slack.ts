import type { Alert } from '../common/types.js';
import { postJson, statusError, unexpectedAnswer } from './http-delivery.js';
import { detailPairs, fieldDiffLines, shortTime, truncate, valueVsExpected, whereText } from './message-text.js';
import type { NotificationJob } from './routing.js';
import { slackEmojiSafeText, slackMrkdwnText, slackPlainText, truncateSlack } from './slack-text.js';

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

/**
 * The Block Kit message for one notification: what happened, where, and buttons to act.
 * Span-supplied text only appears in plain_text objects and, look-alike escaped, in the
 * top-level `text` (see slack-text.ts for why).
 */
export function slackMessage(job: NotificationJob): SlackMessage {
  const all = [...job.alerts, ...job.inhibited];
  const first = all[0];
  const severity = worstSeverity(all);
  const resolved = job.status === 'resolved';
  const kinds = [...new Set(all.map((a) => a.kind))].join(' + ');
  const vendor = slackEmojiSafeText(job.groupLabels.vendor);
  const title = resolved
    ? `:white_check_mark: RESOLVED · ${kinds} · ${vendor}`
    : `${SEVERITY_ICON[severity]} ${severity.toUpperCase()} · ${kinds} · ${vendor}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncateSlack(title, HEADER_MAX), emoji: true } }];
  all.slice(0, MAX_ALERTS_SHOWN).forEach((alert, i) => blocks.push(...alertBlocks(alert, resolved, i)));
  if (all.length > MAX_ALERTS_SHOWN) {
    blocks.push({ type: 'section', text: plainText(`…and ${all.length - MAX_ALERTS_SHOWN} more alerts in this group.`) });
  }
  const about = first ? fallbackLine(first) : slackMrkdwnText(job.groupKey);
  const fallback = `[${resolved ? 'RESOLVED' : `FIRING:${all.length}`}] ${about}${all.length > 1 ? ` (+${all.length - 1} more)` : ''}`;
  return { text: truncateSlack(fallback, TEXT_MAX), blocks: blocks.slice(0, MAX_BLOCKS) };
}

/** `volume_spike stripe/checkout: <summary>` for the top-level text, which Slack parses as mrkdwn. */
function fallbackLine(alert: Alert): string {
  const service = alert.service ? slackMrkdwnText(alert.service) : '*';
  return `${alert.kind} ${slackMrkdwnText(alert.vendor)}/${service}: ${slackMrkdwnText(alert.summary)}`;
}

/**
 * A plain_text object: never parsed for mrkdwn, mentions or links; emoji shortcodes off too.
 * Each line is escaped on its own: a newline inside a value shows as `\n`, ours break lines.
 */
function plainText(...lines: string[]): { type: 'plain_text'; text: string; emoji: false } {
  return { type: 'plain_text', text: truncateSlack(lines.map(slackPlainText).join('\n'), TEXT_MAX), emoji: false };
}

function alertBlocks(alert: Alert, resolved: boolean, index: number): SlackBlock[] {
  const lines = [alert.summary, whereText(alert)];
  const numbers = valueVsExpected(alert);
  if (numbers) lines.push(numbers);
  const diff = fieldDiffLines(alert);
  lines.push(...diff);
  const diffKeys = new Set(['added', 'removed', 'type_changed']);
  const details = detailPairs(alert).filter(([k]) => diff.length === 0 || !diffKeys.has(k));
  lines.push(...details.map(([k, v]) => `${k}: ${v}`));
  const window = resolved && alert.endsAt ? `${shortTime(alert.startsAt)} – ${shortTime(alert.endsAt)}` : `since ${shortTime(alert.startsAt)}`;
  const buttons: SlackBlock[] = [button('Runbook', alert.runbook_url, `runbook_${index}`, true)];
  const dashboard = alert.annotations['dashboard_url'];
  // The dashboard link embeds the (URL-encoded) vendor name, so its length is the sender's to
  // choose; Slack rejects the whole message for one button URL over 3000 characters.
  if (dashboard && dashboard.length <= URL_MAX) buttons.push(button('Dashboard', dashboard, `dashboard_${index}`, false));
  const context = `${window} · ${alert.severity} · fingerprint \`${slackMrkdwnText(alert.fingerprint)}\``;
  return [
    { type: 'section', text: plainText(...lines) },
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncateSlack(context, TEXT_MAX), verbatim: true }] },
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

/**
 * Posts to a Slack incoming webhook. Slack answers 200 `ok`; 429 carries Retry-After; 4xx such
 * as `invalid_payload` or `no_service` will not get better by retrying. The body is exactly the
 * message (`text`, `blocks`): @slack/webhook merged its transport options, `timeout` among them,
 * into the posted JSON, so delivery goes through the same postJson as the other receivers.
 * No retries here: the queue retries, so that every attempt is recorded and Retry-After honoured.
 */
export async function sendSlack(receiver: string, url: string, message: SlackMessage, timeoutMs: number): Promise<number> {
  const body = JSON.stringify({ text: message.text, blocks: message.blocks });
  // postJson's errors name the receiver, never the URL: Slack's webhook URL is the secret.
  const answer = await postJson(receiver, url, body, { timeoutMs });
  if (answer.status !== 200) throw statusError(receiver, answer.status, answer.headers.get('retry-after'), slackErrorCode(answer.body));
  if (answer.body !== 'ok') throw unexpectedAnswer(receiver, answer.status, `unexpected Slack answer '${slackErrorCode(answer.body)}'`);
  return 200;
}

/** Slack's error bodies are short codes (`invalid_payload`, `channel_is_archived`); anything else is cut and made visible. */
function slackErrorCode(body: string): string {
  return truncate(body.replace(/[^\x20-\x7e]/g, '?'), 80);
}
