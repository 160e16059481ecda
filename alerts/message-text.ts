import { visibleText } from '../common/display-text.js';
import type { Alert } from '../common/types.js';

// Vendor, service, route, field, summary and annotation values come from spans: everything built
// here passes them through visibleText, so control and bidi characters arrive as readable escapes.
// Receiver-specific escaping (Slack entities, mrkdwn) is the receiver module's job.

/** Annotation keys that are links or the summary itself, not detail worth listing. */
const LINK_KEYS = new Set(['summary', 'runbook_url', 'dashboard_url']);

/** `1240` → `1,240`; fractions to 3 significant digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Number(n.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** "value 1,240 vs expected 80" when the detector gave numbers. */
export function valueVsExpected(alert: Alert): string | undefined {
  if (alert.value === undefined) return undefined;
  return alert.expected === undefined ? `value ${formatNumber(alert.value)}` : `value ${formatNumber(alert.value)} vs expected ${formatNumber(alert.expected)}`;
}

/** `service checkout · route POST /v1/charges · field card.number` */
export function whereText(alert: Alert): string {
  const parts = [`service ${alert.service ? visibleText(alert.service) : '(all)'}`];
  if (alert.route) parts.push(`route ${visibleText(alert.route)}`);
  if (alert.field) parts.push(`field ${visibleText(alert.field)}`);
  return parts.join(' · ');
}

/** Detector details (e.g. the field diff of schema drift) as `key: value` pairs; empty values left out. */
export function detailPairs(alert: Alert): [string, string][] {
  return Object.entries(alert.annotations)
    .filter(([k, v]) => !LINK_KEYS.has(k) && v !== '')
    .map(([k, v]) => [visibleText(k), visibleText(v)]);
}

/** Schema drift's comma lists as diff lines: `+ added`, `- removed`, `~ type changed`; [] when none. */
export function fieldDiffLines(alert: Alert): string[] {
  const list = (key: string): string[] =>
    (alert.annotations[key] ?? '')
      .split(',')
      .map((s) => visibleText(s.trim()))
      .filter(Boolean);
  return [...list('added').map((f) => `+ ${f}`), ...list('removed').map((f) => `- ${f}`), ...list('type_changed').map((f) => `~ ${f}`)];
}

/** One line per alert, e.g. PagerDuty's also_firing: `volume_spike stripe/checkout: <summary>`. */
export function oneLine(alert: Alert): string {
  return `${alert.kind} ${visibleText(alert.vendor)}/${alert.service ? visibleText(alert.service) : '*'}: ${visibleText(alert.summary)}`;
}

/**
 * Cuts text to at most `max` UTF-16 units (how Slack and PagerDuty count), marking the cut with
 * an ellipsis. Never splits a surrogate pair: half a pair is not a character, and JSON carries it
 * as a lone `\udXXX` that receivers reject or show as U+FFFD.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** `10:02 UTC` style time for messages. */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
