import { createHmac } from 'node:crypto';
import type { Alert } from '../common/types.js';
import { alertmanagerGroupKey } from './group-key.js';
import { postJson, statusError } from './http-delivery.js';
import type { NotificationJob } from './routing.js';

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body>` when a secret is set. */
export const SIGNATURE_HEADER = 'x-egresswatch-signature';

/** Alertmanager's "no end" timestamp for firing alerts. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Alertmanager sends at most this many alerts; the rest are counted in `truncatedAlerts`. */
const MAX_ALERTS = 1000;

/** Alertmanager webhook payload, version 4. */
export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: {
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
}

/**
 * The Alertmanager v4 payload of one notification (inhibited duplicates are listed too). Label
 * values are carried exactly as spans gave them; receivers parse JSON, and the payload is only
 * ever serialised by JSON.stringify. The group key is rebuilt here with Go-style quoting so that
 * a vendor name holding `"` or `\` cannot make two groups share a key.
 */
export function alertmanagerPayload(job: NotificationJob, externalUrl: string): AlertmanagerPayload {
  const all = [...job.alerts, ...job.inhibited];
  const shown = all.slice(0, MAX_ALERTS);
  return {
    version: '4',
    groupKey: alertmanagerGroupKey(job.groupLabels),
    truncatedAlerts: all.length - shown.length,
    status: job.status,
    receiver: job.receiver,
    groupLabels: { ...job.groupLabels },
    commonLabels: common(all.map((a) => a.labels)),
    commonAnnotations: common(all.map((a) => a.annotations)),
    externalURL: externalUrl,
    alerts: shown.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt ?? ZERO_TIME,
      generatorURL: generatorUrl(externalUrl, a),
      fingerprint: a.fingerprint,
    })),
  };
}

function generatorUrl(externalUrl: string, alert: Alert): string {
  return `${externalUrl}/api/alerts?fingerprint=${encodeURIComponent(alert.fingerprint)}`;
}

/** Key/value pairs shared by every set (Alertmanager's commonLabels/commonAnnotations). */
function common(sets: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = sets;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((s) => s[k] === v)));
}

/** `sha256=<hex>` over the exact body bytes sent. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs the payload; any 2xx is delivered, 429/5xx retried, other 4xx permanent. */
export async function sendWebhook(receiver: string, url: string, payload: AlertmanagerPayload, secret: string | undefined, timeoutMs: number): Promise<number> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = secret ? { [SIGNATURE_HEADER]: signBody(body, secret) } : {};
  const answer = await postJson(receiver, url, body, { timeoutMs, headers });
  if (answer.status < 200 || answer.status >= 300) throw statusError(receiver, answer.status, answer.headers.get('retry-after'));
  return answer.status;
}
