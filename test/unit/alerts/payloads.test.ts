import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { toAlert, type AlertState } from '../../../alerts/lifecycle.js';
import { alertFingerprint } from '../../../alerts/fingerprint.js';
import { pagerDutyEvents } from '../../../alerts/pagerduty.js';
import type { NotificationJob } from '../../../alerts/routing.js';
import { slackMessage } from '../../../alerts/slack.js';
import { alertmanagerPayload, signBody } from '../../../alerts/webhook.js';
import { parseRetryAfterMs, statusError } from '../../../alerts/http-delivery.js';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../common/errors.js';
import type { Alert } from '../../../common/types.js';
import { T0, testConfig } from './fixtures.js';

const links = lifecycleOptions(testConfig({ dashboard_url_template: 'http://grafana.local/d/ew-vendor?var-vendor={vendor}' })).links;

function driftAlert(i: number, status: 'firing' | 'resolved' = 'firing'): Alert {
  const id = { kind: 'schema_drift' as const, vendor: 'stripe', service: 'checkout', route: 'POST /v1/customers', field: `f${i}` };
  const state: AlertState = {
    ...id,
    fingerprint: alertFingerprint(id),
    phase: 'firing',
    heldSteps: 1,
    quietSteps: 0,
    startsAtMs: T0,
    lastNotifiedMs: T0,
    notifiedSeverity: undefined,
    severity: 'warning',
    summary: `new request field f${i} on stripe POST /v1/customers`,
    value: 1,
    details: { added: `f${i}:string`, removed: '' },
  };
  return toAlert(state, status, T0 + 600_000, links);
}

function job(alerts: Alert[], status: 'firing' | 'resolved' = 'firing'): NotificationJob {
  return { jobId: 'notify-x', receiver: 'hook', groupKey: '{}:{kind="schema_drift",vendor="stripe"}', groupLabels: { vendor: 'stripe', kind: 'schema_drift' }, status, windowStartMs: T0, alerts, inhibited: [] };
}

describe('Slack Block Kit message', () => {
  it('has a header, a sentence with value, route and field diff, context with window and fingerprint, and two buttons', () => {
    const a = driftAlert(1);
    const m = slackMessage(job([a]));
    expect(m.text).toContain('[FIRING:1] schema_drift stripe/checkout');
    const [header, section, context, actions] = m.blocks as any[];
    expect(header.type).toBe('header');
    expect(header.text).toMatchObject({ type: 'plain_text' });
    expect(header.text.text).toContain('WARNING · schema_drift · stripe');
    expect(section.type).toBe('section');
    // plain_text: the alert's words come from spans, and mrkdwn has no way to escape formatting.
    expect(section.text).toEqual({
      type: 'plain_text',
      emoji: false,
      text: ['new request field f1 on stripe POST /v1/customers', 'service checkout · route POST /v1/customers · field f1', 'value 1', '+ f1:string'].join('\n'),
    });
    expect(context.type).toBe('context');
    expect(context.elements[0].text).toContain('since 2026-11-23 10:00 UTC');
    expect(context.elements[0].text).toContain(a.fingerprint);
    expect(actions.type).toBe('actions');
    expect(actions.elements.map((b: any) => [b.type, b.text.text, b.url])).toEqual([
      ['button', 'Runbook', 'http://127.0.0.1:4318/runbooks/schema_drift'],
      ['button', 'Dashboard', 'http://grafana.local/d/ew-vendor?var-vendor=stripe'],
    ]);
  });

  it('stays within 50 blocks and Slack text limits for a large group', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ ...driftAlert(i), summary: 'x'.repeat(5000) }));
    const m = slackMessage(job(many));
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(m.blocks)).toContain('and 25 more alerts');
    for (const b of m.blocks as any[]) {
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
      if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(m.text.length).toBeLessThanOrEqual(3000);
  });

  it('says RESOLVED with the time window when resolved', () => {
    const m = slackMessage(job([driftAlert(1, 'resolved')], 'resolved'));
    expect((m.blocks[0] as any).text.text).toContain('RESOLVED');
    expect(JSON.stringify(m.blocks[2])).toContain('2026-11-23 10:00 UTC – 2026-11-23 10:10 UTC');
    expect(m.text).toMatch(/^\[RESOLVED\]/);
  });
});

describe('PagerDuty Events v2', () => {
  it('triggers with dedup_key = fingerprint, a bounded summary, mapped severity and links', () => {
    const a = { ...driftAlert(1), summary: 's'.repeat(2000) };
    const [event] = pagerDutyEvents(job([a]), 'R0UTINGKEY', 'http://127.0.0.1:4318');
    expect(event).toMatchObject({ routing_key: 'R0UTINGKEY', event_action: 'trigger', dedup_key: a.fingerprint, client: 'egresswatch' });
    expect(event!.payload!.summary.length).toBeLessThanOrEqual(1024);
    expect(event!.payload).toMatchObject({ source: 'checkout → stripe', severity: 'warning', timestamp: a.startsAt, component: 'stripe', group: 'checkout', class: 'schema_drift' });
    expect(event!.payload!.custom_details).toMatchObject({ route: 'POST /v1/customers', field: 'f1', added: 'f1:string', fingerprint: a.fingerprint });
    expect(event!.links).toEqual([
      { href: 'http://127.0.0.1:4318/runbooks/schema_drift', text: 'Runbook: schema_drift' },
      { href: 'http://grafana.local/d/ew-vendor?var-vendor=stripe', text: 'Dashboard: stripe' },
    ]);
  });

  it('resolves by dedup_key only', () => {
    const a = driftAlert(1, 'resolved');
    expect(pagerDutyEvents(job([a], 'resolved'), 'K', 'x')).toEqual([{ routing_key: 'K', event_action: 'resolve', dedup_key: a.fingerprint }]);
  });
});

describe('Alertmanager webhook v4', () => {
  it('carries version, group and common labels, runbook_url, and per-alert fingerprints and times', () => {
    const alerts = [driftAlert(1), driftAlert(2)];
    const p = alertmanagerPayload(job(alerts), 'http://127.0.0.1:4318');
    expect(p).toMatchObject({ version: '4', status: 'firing', receiver: 'hook', groupKey: '{}:{kind="schema_drift",vendor="stripe"}', truncatedAlerts: 0, externalURL: 'http://127.0.0.1:4318' });
    expect(p.groupLabels).toEqual({ vendor: 'stripe', kind: 'schema_drift' });
    expect(p.commonLabels).toEqual({ alertname: 'schema_drift', kind: 'schema_drift', vendor: 'stripe', service: 'checkout', severity: 'warning', route: 'POST /v1/customers' });
    expect(p.commonAnnotations['runbook_url']).toBe('http://127.0.0.1:4318/runbooks/schema_drift');
    expect(p.alerts).toHaveLength(2);
    expect(p.alerts[0]).toMatchObject({ status: 'firing', startsAt: '2026-11-23T10:00:00.000Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: alerts[0]!.fingerprint });
    expect(p.alerts[0]!.generatorURL).toBe(`http://127.0.0.1:4318/api/alerts?fingerprint=${alerts[0]!.fingerprint}`);
  });

  it('signs the exact body with HMAC-SHA256', () => {
    expect(signBody('{"a":1}', 'secret')).toBe(`sha256=${createHmac('sha256', 'secret').update('{"a":1}').digest('hex')}`);
  });
});

describe('delivery errors', () => {
  it('retries 429 and 5xx honouring Retry-After, and never retries other 4xx', () => {
    const e429 = statusError('slack', 429, '7');
    expect(e429).toBeInstanceOf(RetryableDeliveryError);
    expect((e429 as RetryableDeliveryError).retryAfterMs).toBe(7000);
    expect(statusError('pd', 503, null)).toBeInstanceOf(RetryableDeliveryError);
    expect(statusError('pd', 400, null)).toBeInstanceOf(PermanentDeliveryError);
    expect(statusError('hook', 404, null)).toBeInstanceOf(PermanentDeliveryError);
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });
});
