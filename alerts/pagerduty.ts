import { z } from 'zod';
import { PermanentDeliveryError } from '../common/errors.js';
import type { Alert } from '../common/types.js';
import { postJson, statusError } from './http-delivery.js';
import { detailPairs, oneLine, truncate } from './message-text.js';
import type { NotificationJob } from './routing.js';

/** PagerDuty Events API v2 limits `payload.summary` to 1024 characters. */
const SUMMARY_MAX = 1024;

/** One Events API v2 event. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client?: string;
  client_url?: string;
}

/** The body PagerDuty answers with 202 (docs: "Event processed"). */
const acceptedSchema = z.object({ status: z.literal('success'), dedup_key: z.string().optional(), message: z.string().optional() });

/** Events for one notification: one per alert, `dedup_key` = fingerprint so PagerDuty dedups retries. */
export function pagerDutyEvents(job: NotificationJob, routingKey: string, externalUrl: string): PagerDutyEvent[] {
  return job.alerts.map((alert) => {
    if (job.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: alert.fingerprint };
    const also = job.inhibited.filter((a) => a.vendor === alert.vendor && a.service === alert.service);
    const details: Record<string, unknown> = {
      kind: alert.kind,
      vendor: alert.vendor,
      service: alert.service,
      ...(alert.route ? { route: alert.route } : {}),
      ...(alert.field ? { field: alert.field } : {}),
      ...(alert.value !== undefined ? { value: alert.value } : {}),
      ...(alert.expected !== undefined ? { expected: alert.expected } : {}),
      starts_at: alert.startsAt,
      fingerprint: alert.fingerprint,
      ...Object.fromEntries(detailPairs(alert)),
      ...(also.length > 0 ? { also_firing: also.map(oneLine) } : {}),
    };
    const links = [{ href: alert.runbook_url, text: `Runbook: ${alert.kind}` }];
    const dashboard = alert.annotations['dashboard_url'];
    if (dashboard) links.push({ href: dashboard, text: `Dashboard: ${alert.vendor}` });
    return {
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: alert.fingerprint,
      payload: {
        summary: truncate(`[${alert.vendor}] ${alert.summary}`, SUMMARY_MAX),
        source: alert.service ? `${alert.service} → ${alert.vendor}` : alert.vendor,
        severity: pagerDutySeverity(alert.severity),
        timestamp: alert.startsAt,
        component: alert.vendor,
        group: alert.service || alert.vendor,
        class: alert.kind,
        custom_details: details,
      },
      links,
      client: 'egresswatch',
      client_url: externalUrl,
    };
  });
}

/** PagerDuty's severities are critical|error|warning|info; egresswatch has no `error`. */
export function pagerDutySeverity(severity: Alert['severity']): 'critical' | 'warning' | 'info' {
  return severity;
}

/**
 * Sends the events in order. 202 with `status: success` is delivered; 400 is a malformed event
 * (never retried); 429 and 5xx are retried. A retry resends every event: PagerDuty dedups by key.
 */
export async function sendPagerDuty(receiver: string, url: string, events: readonly PagerDutyEvent[], timeoutMs: number): Promise<number> {
  let last = 202;
  for (const event of events) {
    const answer = await postJson(receiver, url, JSON.stringify(event), { timeoutMs });
    if (answer.status !== 202) throw statusError(receiver, answer.status, answer.headers.get('retry-after'), safeMessage(answer.body));
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      parsed = undefined;
    }
    if (!acceptedSchema.safeParse(parsed).success) throw new PermanentDeliveryError(`${receiver}: 202 without a PagerDuty success body`);
    last = answer.status;
  }
  return last;
}

/** PagerDuty's error body `{status, message, errors[]}` — the message only; it never echoes the key. */
function safeMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(parsed.errors) ? parsed.errors.filter((e) => typeof e === 'string').join('; ') : '';
    return [typeof parsed.message === 'string' ? parsed.message : '', errors].filter(Boolean).join(': ');
  } catch {
    return '';
  }
}
