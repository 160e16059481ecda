import { describe, expect, it } from 'vitest';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { alertFingerprint } from '../../../alerts/fingerprint.js';
import { advance, statesFromAlerts, type AlertStates } from '../../../alerts/lifecycle.js';
import type { Alert, Finding } from '../../../common/types.js';
import { MIN, T0, spike, testConfig } from './fixtures.js';

/** Runs steps 0..n-1 with the findings of each step; returns all transitions with their step. */
function run(steps: Finding[][], config = testConfig(), start: AlertStates = {}): { step: number; alert: Alert }[] {
  const options = lifecycleOptions(config);
  let states = start;
  const out: { step: number; alert: Alert }[] = [];
  steps.forEach((findings, step) => {
    const r = advance(states, findings, T0 + (step + 1) * MIN, options);
    states = r.states;
    for (const alert of r.transitions) out.push({ step, alert });
  });
  return out;
}

describe('alert lifecycle', () => {
  it('fires a volume spike only after it holds for two steps, then resolves after the quiet period', () => {
    const steps: Finding[][] = [[spike(0)], [spike(1)], [spike(2)], [], [], [], [], [], []];
    const t = run(steps);
    expect(t.map((x) => [x.step, x.alert.status])).toEqual([
      [1, 'firing'],
      [7, 'resolved'],
    ]);
    const firing = t[0]!.alert;
    expect(firing).toMatchObject({
      kind: 'volume_spike',
      severity: 'critical',
      vendor: 'stripe',
      service: 'checkout',
      route: 'POST /v1/charges',
      startsAt: '2026-11-23T10:00:00.000Z',
      value: 1240,
      expected: 80,
      runbook_url: 'http://127.0.0.1:4318/runbooks/volume_spike',
    });
    expect(firing.endsAt).toBeUndefined();
    expect(firing.labels).toMatchObject({ alertname: 'volume_spike', vendor: 'stripe', service: 'checkout', severity: 'critical' });
    expect(firing.annotations['runbook_url']).toBe(firing.runbook_url);
    expect(t[1]!.alert.endsAt).toBe(new Date(T0 + 8 * MIN).toISOString());
    expect(t[1]!.alert.fingerprint).toBe(firing.fingerprint);
  });

  it('never fires a one-minute blip, and a gap restarts the count', () => {
    expect(run([[spike(0)], [], [spike(2)], [], [spike(4)], []])).toEqual([]);
  });

  it('fires schema drift and PII findings at once', () => {
    const pii: Finding = { ...spike(0), kind: 'pii_violation', field: 'customer.ssn', summary: 'stripe receives ssn' };
    expect(run([[pii]]).map((x) => x.alert.status)).toEqual(['firing']);
  });

  it('honours per-kind and per-vendor rules from config', () => {
    const config = testConfig({ rules: { volume_spike: { for_steps: 3 } }, vendor_rules: { twilio: { volume_spike: { for_steps: 1, severity: 'warning' } } } });
    expect(run([[spike(0)], [spike(1)], [spike(2)]], config).map((x) => x.step)).toEqual([2]);
    const twilio = run([[spike(0, { vendor: 'twilio' })]], config);
    expect(twilio.map((x) => [x.step, x.alert.severity])).toEqual([[0, 'warning']]);
  });

  it('repeats a firing alert after repeat_interval and on escalation, not otherwise', () => {
    const config = testConfig({ repeat_interval_seconds: 300 });
    const steps = [spike(0, { severity: 'warning' }), spike(1, { severity: 'warning' }), spike(2, { severity: 'warning' }), spike(3), spike(4), spike(5), spike(6), spike(7), spike(8)].map((f) => [f]);
    const t = run(steps, config);
    // fires at step 1 (warning), escalates at step 3 (critical), repeats 5 steps after that.
    expect(t.map((x) => [x.step, x.alert.severity])).toEqual([
      [1, 'warning'],
      [3, 'critical'],
      [8, 'critical'],
    ]);
  });

  it('links the vendor runbook override and the dashboard template', () => {
    const config = testConfig({ dashboard_url_template: 'http://grafana:3000/d/vendor?var-vendor={vendor}&var-service={service}' }, { stripe: { runbooks: { volume_spike: 'https://wiki.example.com/stripe-spike' } } });
    const alert = run([[spike(0)], [spike(1)]], config)[0]!.alert;
    expect(alert.runbook_url).toBe('https://wiki.example.com/stripe-spike');
    expect(alert.annotations['dashboard_url']).toBe('http://grafana:3000/d/vendor?var-vendor=stripe&var-service=checkout');
  });

  it('keeps the state of vendors a per-vendor step did not evaluate', () => {
    const options = lifecycleOptions(testConfig());
    let states: AlertStates = {};
    for (let step = 0; step < 2; step++) states = advance(states, [spike(step)], T0 + (step + 1) * MIN, options).states;
    for (let step = 2; step < 12; step++) {
      const r = advance(states, [], T0 + (step + 1) * MIN, options, ['twilio']);
      expect(r.transitions).toEqual([]);
      states = r.states;
    }
    expect(Object.values(states).map((s) => [s.vendor, s.phase, s.quietSteps])).toEqual([['stripe', 'firing', 0]]);
  });

  it('uses one fingerprint per (kind, vendor, service, route, field)', () => {
    const a = alertFingerprint({ kind: 'schema_drift', vendor: 'stripe', service: 'checkout', route: '/v1/charges', field: 'a' });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(alertFingerprint({ kind: 'schema_drift', vendor: 'stripe', service: 'checkout', route: '/v1/charges', field: 'a' })).toBe(a);
    expect(alertFingerprint({ kind: 'schema_drift', vendor: 'stripe', service: 'checkout', route: '/v1/charges', field: 'b' })).not.toBe(a);
    expect(alertFingerprint({ kind: 'schema_drift', vendor: 'stripe', service: 'checkou', route: 't/v1/charges', field: 'a' })).not.toBe(a);
  });

  it('resumes from stored firing alerts without notifying them again, and still resolves them', () => {
    const config = testConfig();
    const fired = run([[spike(0)], [spike(1)]], config)[0]!.alert;
    const resumed = statesFromAlerts([{ ...fired, updatedAt: new Date(T0 + 2 * MIN).toISOString() }]);
    const options = lifecycleOptions(config);
    let states = resumed;
    const statuses: string[] = [];
    for (let step = 2; step < 10; step++) {
      const r = advance(states, step < 4 ? [spike(step)] : [], T0 + (step + 1) * MIN, options);
      states = r.states;
      statuses.push(...r.transitions.map((a) => a.status));
    }
    expect(statuses).toEqual(['resolved']);
  });
});
