import { describe, expect, it } from 'vitest';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { toAlert, type AlertState } from '../../../alerts/lifecycle.js';
import { parseMatcher, allMatch } from '../../../common/label-matchers.js';
import type { ResolvedReceiver } from '../../../alerts/receivers-config.js';
import { planNotifications, routeAlert } from '../../../alerts/routing.js';
import type { Silence } from '../../../alerts/silences.js';
import { alertFingerprint } from '../../../alerts/fingerprint.js';
import type { Alert, AlertKind, Severity } from '../../../common/types.js';
import { T0, testConfig } from './fixtures.js';

const links = lifecycleOptions(testConfig()).links;

function alert(kind: AlertKind, overrides: { vendor?: string; service?: string; severity?: Severity; status?: 'firing' | 'resolved' } = {}): Alert {
  const id = { kind, vendor: overrides.vendor ?? 'stripe', service: overrides.service ?? 'checkout' };
  const state: AlertState = {
    ...id,
    fingerprint: alertFingerprint(id),
    phase: 'firing',
    heldSteps: 2,
    quietSteps: 0,
    startsAtMs: T0,
    lastNotifiedMs: T0,
    notifiedSeverity: undefined,
    severity: overrides.severity ?? 'critical',
    summary: `${kind} on ${id.vendor}`,
  };
  return toAlert(state, overrides.status ?? 'firing', T0 + 120_000, links);
}

const receivers: ResolvedReceiver[] = [
  { name: 'slack', type: 'slack', url: 'http://127.0.0.1:1/slack' },
  { name: 'pagerduty', type: 'pagerduty', url: 'http://127.0.0.1:1/pd', routingKey: 'k' },
  { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: undefined },
];

describe('label matchers', () => {
  it('parses the four operators and anchors regexes', () => {
    const labels = { vendor: 'stripe', kind: 'volume_spike' };
    expect(allMatch([parseMatcher('vendor=stripe')], labels)).toBe(true);
    expect(allMatch([parseMatcher('vendor!=stripe')], labels)).toBe(false);
    expect(allMatch([parseMatcher('kind=~volume_.*')], labels)).toBe(true);
    expect(allMatch([parseMatcher('kind=~volume')], labels)).toBe(false);
    expect(allMatch([parseMatcher('kind!~bytes_.*'), parseMatcher('vendor="stripe"')], labels)).toBe(true);
    expect(allMatch([parseMatcher('service=')], labels)).toBe(true);
  });

  it('says what a malformed matcher should look like', () => {
    expect(() => parseMatcher('vendor')).toThrow(/expected name=value/);
    expect(() => parseMatcher('kind=~(')).toThrow(/invalid regular expression/);
  });
});

describe('routing and grouping', () => {
  const plan = (alerts: Alert[], silences: Silence[] = [], routes = testConfig().alerts.routes) =>
    planNotifications(alerts, T0 + 120_000, { receivers, routes, silences, groupIntervalMs: 300_000 });

  it('sends everything to Slack and the webhook but only critical to PagerDuty by default', () => {
    expect(routeAlert(alert('volume_spike'), receivers, [])).toEqual(['slack', 'pagerduty', 'hook']);
    expect(routeAlert(alert('volume_spike', { severity: 'warning' }), receivers, [])).toEqual(['slack', 'hook']);
  });

  it('follows configured routes by severity, vendor and matcher', () => {
    const routes = testConfig({ routes: [{ receiver: 'pagerduty', severities: ['critical', 'warning'], vendors: ['stripe'] }, { receiver: 'slack', match: ['kind=~pii_.*'] }] }).alerts.routes;
    expect(routeAlert(alert('volume_spike', { severity: 'warning' }), receivers, routes)).toEqual(['pagerduty']);
    expect(routeAlert(alert('volume_spike', { vendor: 'twilio' }), receivers, routes)).toEqual([]);
    expect(routeAlert(alert('pii_new', { vendor: 'twilio' }), receivers, routes)).toEqual(['slack']);
  });

  it('folds a bytes spike into the volume spike of the same service: one message per receiver listing both', () => {
    const { jobs } = plan([alert('volume_spike'), alert('bytes_spike')]);
    expect(jobs.map((j) => j.receiver).sort()).toEqual(['hook', 'pagerduty', 'slack']);
    for (const job of jobs) {
      expect(job.alerts.map((a) => a.kind)).toEqual(['volume_spike']);
      expect(job.inhibited.map((a) => a.kind)).toEqual(['bytes_spike']);
      expect(job.groupKey).toBe('{}:{kind="volume_spike",vendor="stripe"}');
    }
  });

  it('does not notify a bytes spike on its own while the volume spike of the same service is already firing', () => {
    const firing = [{ vendor: 'stripe', service: 'checkout' }];
    const later = planNotifications([alert('bytes_spike')], T0 + 180_000, { receivers, routes: [], silences: [], groupIntervalMs: 300_000, volumeSpikesFiring: firing });
    expect(later.jobs).toEqual([]);
    const otherService = planNotifications([alert('bytes_spike', { service: 'billing' })], T0 + 180_000, { receivers, routes: [], silences: [], groupIntervalMs: 300_000, volumeSpikesFiring: firing });
    expect(otherService.jobs).toHaveLength(3);
  });

  it('keeps a bytes spike of another service as its own alert', () => {
    const { jobs } = plan([alert('volume_spike'), alert('bytes_spike', { service: 'billing' })]);
    const slack = jobs.find((j) => j.receiver === 'slack')!;
    expect(slack.alerts.map((a) => a.kind).sort()).toEqual(['bytes_spike', 'volume_spike']);
    expect(slack.inhibited).toEqual([]);
  });

  it('splits groups per vendor, kind and state, with ids that are stable and distinct', () => {
    const a = plan([alert('volume_spike'), alert('schema_drift'), alert('volume_spike', { vendor: 'twilio' }), alert('error_spike', { status: 'resolved' })]);
    const ids = a.jobs.map((j) => j.jobId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(a.jobs.filter((j) => j.receiver === 'slack')).toHaveLength(4);
    expect(plan([alert('error_spike', { status: 'resolved' }), alert('schema_drift'), alert('volume_spike', { vendor: 'twilio' }), alert('volume_spike')]).jobs.map((j) => j.jobId).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(id).not.toContain(':');
  });

  it('drops silenced alerts and reports which silence did it', () => {
    const silence: Silence = { id: 's1', matchers: [parseMatcher('vendor=stripe')], startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 + 3_600_000).toISOString(), createdBy: 't', comment: 'c' };
    const r = plan([alert('volume_spike'), alert('volume_spike', { vendor: 'twilio' })], [silence]);
    expect(r.silenced.map((s) => s.silenceId)).toEqual(['s1']);
    expect(r.jobs.every((j) => j.groupLabels.vendor === 'twilio')).toBe(true);
    const expired = { ...silence, endsAt: new Date(T0 + 60_000).toISOString() };
    expect(plan([alert('volume_spike')], [expired]).silenced).toEqual([]);
  });

  it('gives an escalation in the same window its own job, so it is notified', () => {
    const opts = { receivers, routes: [], silences: [], groupIntervalMs: 300_000 };
    const warning = planNotifications([alert('volume_spike', { severity: 'warning' })], T0 + 60_000, opts);
    const critical = planNotifications([alert('volume_spike', { severity: 'critical' })], T0 + 120_000, opts);
    const again = planNotifications([alert('volume_spike', { severity: 'warning' })], T0 + 120_000, opts);
    expect(critical.jobs.map((j) => j.jobId)).not.toEqual(warning.jobs.map((j) => j.jobId));
    expect(again.jobs.map((j) => j.jobId)).toEqual(warning.jobs.map((j) => j.jobId));
  });
});

describe('a step that touches many vendors', () => {
  const plan = (alerts: Alert[]) => planNotifications(alerts, T0 + 120_000, { receivers: [receivers[0]!], routes: [], silences: [], groupIntervalMs: 300_000 }).jobs;

  it('keeps 20 groups as they are', () => {
    const jobs = plan(Array.from({ length: 20 }, (_, i) => alert('new_destination', { vendor: `v${String(i).padStart(2, '0')}.example`, severity: 'warning' })));
    expect(jobs).toHaveLength(20);
  });

  it('past 20 keeps the 10 worst whole and folds the rest per kind, every alert still sent', () => {
    const warnings = Array.from({ length: 30 }, (_, i) => alert('new_destination', { vendor: `v${String(i).padStart(2, '0')}.example`, severity: 'warning' }));
    const critical = Array.from({ length: 12 }, (_, i) => alert('pii_violation', { vendor: `z${String(i).padStart(2, '0')}.example` }));
    const jobs = plan([...warnings, ...critical]);
    const whole = jobs.filter((j) => !j.groupLabels.vendor.endsWith(' vendors'));
    expect(whole.map((j) => j.groupLabels.vendor)).toEqual(critical.slice(0, 10).map((a) => a.vendor));
    expect(jobs.filter((j) => j.groupLabels.vendor.endsWith(' vendors')).map((j) => [j.groupLabels.kind, j.groupLabels.vendor, j.alerts.length])).toEqual([
      ['pii_violation', '2 vendors', 2],
      ['new_destination', '30 vendors', 30],
    ]);
    expect(jobs.flatMap((j) => j.alerts)).toHaveLength(42);
  });

  it('bounds each receiver and each state on its own, and a kind left with one group keeps its vendor', () => {
    const vendor = (i: number): string => `v${String(i).padStart(2, '0')}.example`;
    const firing = Array.from({ length: 30 }, (_, i) => alert('new_destination', { vendor: vendor(i), severity: 'warning' }));
    const resolved = Array.from({ length: 15 }, (_, i) => alert('new_destination', { vendor: vendor(i), severity: 'warning', status: 'resolved' }));
    const lone = alert('pii_violation', { vendor: 'zz.example', severity: 'warning' });
    const { jobs } = planNotifications([...firing, ...resolved, lone], T0 + 120_000, { receivers: [receivers[0]!, receivers[2]!], routes: [], silences: [], groupIntervalMs: 300_000 });
    const labels = (receiver: string, status: string): string[] => jobs.filter((j) => j.receiver === receiver && j.status === status).map((j) => `${j.groupLabels.kind} ${j.groupLabels.vendor}`);
    for (const receiver of ['slack', 'hook']) {
      expect(labels(receiver, 'firing')).toEqual([...firing.slice(0, 10).map((a) => `new_destination ${a.vendor}`), 'new_destination 20 vendors', 'pii_violation zz.example']);
      expect(labels(receiver, 'resolved')).toEqual(resolved.map((a) => `new_destination ${a.vendor}`));
    }
  });

  it('in a folded group, one vendor\'s volume spike does not hide another vendor\'s bytes spike of the same service', () => {
    const vendor = (i: number): string => `v${String(i).padStart(2, '0')}.example`;
    // 30 vendors with a volume spike on checkout, and a 31st with only a bytes spike on checkout: all fold into one volume family group.
    const spikes = Array.from({ length: 30 }, (_, i) => alert('volume_spike', { vendor: vendor(i), severity: 'warning' }));
    const bytesOnly = alert('bytes_spike', { vendor: 'zz.example', severity: 'warning' });
    const jobs = plan([...spikes, bytesOnly]);
    const folded = jobs.find((j) => j.groupLabels.vendor.endsWith(' vendors'));
    expect(folded?.alerts.map((a) => a.vendor)).toContain('zz.example');
    expect(folded?.inhibited).toEqual([]);
    // A volume spike already firing for another vendor does not hide it either.
    const { jobs: later } = planNotifications([bytesOnly], T0 + 180_000, { receivers, routes: [], silences: [], groupIntervalMs: 300_000, volumeSpikesFiring: [{ vendor: 'stripe', service: 'checkout' }] });
    expect(later.flatMap((j) => j.alerts.map((a) => a.kind))).toContain('bytes_spike');
  });
});
