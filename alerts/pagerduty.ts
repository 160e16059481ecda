import { z } from 'zod';
import { visibleText } from '../common/display-text.js';
import type { Alert } from '../common/types.js';
import { postJson, statusError, unexpectedAnswer } from './http-delivery.js';
import { detailPairs, oneLine, truncate } from './message-text.js';
import type { NotificationJob } from './routing.js';

/** PagerDuty Events API v2 limits `payload.summary` to 1024 characters. */
const SUMMARY_MAX = 1024;
/**
 * source/component/group/class have no documented limit, but they are short identifiers
 * (hostnames are at most 253) shown in PagerDuty's lists; a span-chosen name may not fill them.
 */
const FIELD_MAX = 255;
/**
 * Events API payloads are limited to 512 KB, and an event over it is refused with 400 — the page
 * would never be sent. Every span-supplied string in custom_details is capped and so is the
 * number of `also_firing` lines, so an event stays far below the limit whatever the names hold.
 */
const DETAIL_MAX = 1024;
const ALSO_FIRING_MAX = 20;
/** Longer links are dropped rather than cut: a cut URL points somewhere else. */
const LINK_URL_MAX = 2048;

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

/**
 * Events for one notification: one per alert, `dedup_key` = fingerprint so PagerDuty dedups
 * retries. Span-supplied text is made visible (no control or bidi characters) and capped.
 */
export function pagerDutyEvents(job: NotificationJob, routingKey: string, externalUrl: string): PagerDutyEvent[] {
  return job.alerts.map((alert) => {
    if (job.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: alert.fingerprint };
    const also = job.inhibited.filter((a) => a.vendor === alert.vendor && a.service === alert.service);
    const alsoLines = also.slice(0, ALSO_FIRING_MAX).map((a) => detail(oneLine(a)));
    if (also.length > ALSO_FIRING_MAX) alsoLines.push(`…and ${also.length - ALSO_FIRING_MAX} more`);
    const details: Record<string, unknown> = {
      kind: alert.kind,
      vendor: detail(alert.vendor),
      service: detail(alert.service),
      ...(alert.route ? { route: detail(alert.route) } : {}),
      ...(alert.field ? { field: detail(alert.field) } : {}),
      ...(alert.value !== undefined ? { value: alert.value } : {}),
      ...(alert.expected !== undefined ? { expected: alert.expected } : {}),
      starts_at: alert.startsAt,
      fingerprint: alert.fingerprint,
      ...Object.fromEntries(detailPairs(alert).map(([k, v]) => [truncate(k, FIELD_MAX), truncate(v, DETAIL_MAX)])),
      ...(also.length > 0 ? { also_firing: alsoLines } : {}),
    };
    const links = [{ href: alert.runbook_url, text: `Runbook: ${alert.kind}` }];
    const dashboard = alert.annotations['dashboard_url'];
    if (dashboard && dashboard.length <= LINK_URL_MAX) links.push({ href: dashboard, text: field(`Dashboard: ${alert.vendor}`) });
    return {
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: alert.fingerprint,
      payload: {
        summary: truncate(visibleText(`[${alert.vendor}] ${alert.summary}`), SUMMARY_MAX),
        source: field(alert.service ? `${alert.service} → ${alert.vendor}` : alert.vendor),
        severity: pagerDutySeverity(alert.severity),
        timestamp: alert.startsAt,
        component: field(alert.vendor),
        group: field(alert.service || alert.vendor),
        class: alert.kind,
        custom_details: details,
      },
      links,
      client: 'egresswatch',
      client_url: externalUrl,
    };
  });
}

/** A short PagerDuty field from span-supplied text. */
function field(text: string): string {
  return truncate(visibleText(text), FIELD_MAX);
}

/** A custom_details value from span-supplied text. */
function detail(text: string): string {
  return truncate(visibleText(text), DETAIL_MAX);
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
    // PagerDuty answers 202; a relay or PagerDuty-compatible endpoint may say 200. Either is
    // delivered when the body says success; a 2xx without it was not PagerDuty taking the event.
    if (answer.status < 200 || answer.status >= 300) throw statusError(receiver, answer.status, answer.headers.get('retry-after'), safeMessage(answer.body));
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      parsed = undefined;
    }
    if (!acceptedSchema.safeParse(parsed).success) {
      throw unexpectedAnswer(receiver, answer.status, 'not PagerDuty\'s {"status":"success"} answer: is PAGERDUTY_EVENTS_URL the Events API v2 enqueue URL?');
    }
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
