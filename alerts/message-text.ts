import { visibleText } from '../common/display-text.js';
import { formatBytes, formatFigure, formatMs, formatPercent } from '../common/figure-text.js';
import type { Alert, AlertKind } from '../common/types.js';

// Vendor, service, route, field, summary and annotation values come from spans: everything built
// here passes them through visibleText, so control and bidi characters arrive as readable escapes.
// Receiver-specific escaping (Slack entities, mrkdwn) is the receiver module's job.

/** Annotation keys that are links or the summary itself, not detail worth listing. */
const LINK_KEYS = new Set(['summary', 'runbook_url', 'dashboard_url']);

/** How each traffic kind's value and expected read: in the unit the alert's summary uses. */
const UNITS: Partial<Record<AlertKind, { format: (n: number) => string; unit: string }>> = {
  volume_spike: { format: formatFigure, unit: ' calls' },
  volume_drop: { format: formatFigure, unit: ' calls' },
  bytes_spike: { format: formatBytes, unit: '' },
  error_spike: { format: formatPercent, unit: ' failing' },
  latency_spike: { format: formatMs, unit: ' (p95)' },
};

/**
 * "value 1,240 vs expected 80 calls in 5 min" when the detector gave numbers, formatted as the
 * summary formats them (common/figure-text.ts), so every receiver shows the same figures. An
 * expected 0 for a traffic kind means there is usually none: no ratio, no "expected 0".
 */
export function valueVsExpected(alert: Alert): string | undefined {
  if (alert.value === undefined) return undefined;
  const kind = UNITS[alert.kind];
  const format = kind?.format ?? formatFigure;
  const unit = kind?.unit ?? '';
  const window = alert.annotations['window'];
  const over = kind && window && alert.kind !== 'error_spike' && alert.kind !== 'latency_spike' ? ` in ${visibleText(window)}` : '';
  if (alert.expected === undefined) return `value ${format(alert.value)}${unit}${over}`;
  if (kind && alert.expected === 0) return `value ${format(alert.value)}${unit}${over}, usually none`;
  return `value ${format(alert.value)} vs expected ${format(alert.expected)}${unit}${over}`;
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
