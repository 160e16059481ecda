import { describe, expect, it } from 'vitest';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { advance, type AlertStates } from '../../../alerts/lifecycle.js';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import type { Alert, Finding } from '../../../common/types.js';
import { sustainedDrop } from '../../../detectors/drop-sustain.js';
import { detectTraffic } from '../../../detectors/traffic-detector.js';
import { buildSeries, DAY, HOUR, MIN, poisson } from '../detectors/series-fixture.js';
import { T0, testConfig } from './fixtures.js';

const drop = (i: number, overrides: Partial<Finding> = {}): Finding => ({
  kind: 'volume_drop',
  vendor: 'twilio',
  service: 'sms',
  at: T0 + i * MIN,
  value: 0,
  expected: 40,
  score: 0.9,
  severity: 'critical',
  summary: 'sms stopped calling twilio',
  ...overrides,
});
const still = (i: number): Finding => drop(i, { sustain: true, score: 0, severity: 'info', summary: 'no call for a while' });

/** Steps of findings through the lifecycle; the transitions with their step. */
function run(steps: Finding[][]): { step: number; alert: Alert }[] {
  const options = lifecycleOptions(testConfig());
  let states: AlertStates = {};
  const out: { step: number; alert: Alert }[] = [];
  steps.forEach((findings, step) => {
    const r = advance(states, findings, T0 + (step + 1) * MIN, options);
    states = r.states;
    for (const alert of r.transitions) out.push({ step, alert });
  });
  return out;
}

describe('a volume_drop resolves only when calls come back', () => {
  it('stays firing while the detector only says the series is still at zero, and resolves once it stops saying so', () => {
    // Fires after 3 steps, then the detector stops reporting the drop but the series stays at zero.
    const steps = [[drop(0)], [drop(1)], [drop(2)], ...Array.from({ length: 30 }, (_, i) => [still(3 + i)]), [], [], [], [], [], []];
    expect(run(steps).map((t) => [t.step, t.alert.status])).toEqual([
      [2, 'firing'],
      [37, 'resolved'],
    ]);
  });

  it('never opens, counts towards or changes an alert on its own', () => {
    expect(run(Array.from({ length: 10 }, (_, i) => [still(i)]))).toEqual([]);
    // Two real steps, a sustain, one real step: the sustain is a gap for a pending alert.
    expect(run([[drop(0)], [drop(1)], [still(2)], [drop(3)]])).toEqual([]);
    const fired = run([[drop(0)], [drop(1)], [drop(2)], [still(3)]]);
    expect(fired.map((t) => [t.alert.status, t.alert.summary, t.alert.severity])).toEqual([['firing', 'sms stopped calling twilio', 'critical']]);
  });

  it('through the real detector: calls stop at a busy hour and the drop holds through the quiet evening until calls return', () => {
    // Every day 12 calls/min from 10:00 to 12:00 UTC, 3/min otherwise. On the last day the calls
    // stop at 10:20 and come back at 14:00. By evening the expected volume per minute is under
    // min_delta_calls: the detector may stop calling it a drop, the sustain still holds it open.
    const day0 = Math.floor(T0 / DAY) * DAY;
    const outage = day0 + 3 * DAY + 10 * HOUR + 20 * MIN;
    const back = day0 + 3 * DAY + 14 * HOUR;
    let seed = 7;
    const random = (): number => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const rates = new Map<number, number>();
    const traffic = (t: number): { calls: number } => {
      if (t >= outage && t < back) return { calls: 0 };
      let calls = rates.get(t);
      if (calls === undefined) {
        const hour = new Date(t).getUTCHours();
        rates.set(t, (calls = poisson(hour >= 10 && hour < 12 ? 12 : 3, random)));
      }
      return { calls };
    };
    const options = lifecycleOptions(testConfig());
    const config = DEFAULT_DETECTION_CONFIG;
    let states: AlertStates = {};
    const changes: { status: string; at: number }[] = [];
    const silentMinutes: number[] = [];
    for (let now = outage - 10 * MIN; now <= back + 30 * MIN; now += MIN) {
      const series = buildSeries({ start: day0, now, traffic, recentMinutes: config.recent_minutes, vendor: 'twilio', service: 'sms' });
      const findings = detectTraffic(series, 1, config).filter((f) => f.kind === 'volume_drop');
      const sustains = sustainedDrop(series, config);
      // Whenever the calls are still gone, something keeps saying so.
      if (now >= outage + 10 * MIN && now < back && findings.length === 0 && sustains.length === 0) silentMinutes.push(now);
      const r = advance(states, [...findings, ...sustains], now, options);
      states = r.states;
      changes.push(...r.transitions.map((t) => ({ status: t.status, at: now })));
    }
    expect(silentMinutes).toEqual([]);
    // It fires once, at the drop, and resolves only after the calls are back.
    expect(changes.map((c) => c.status)).toEqual(['firing', 'resolved']);
    expect(changes[0]!.at).toBeLessThan(outage + 10 * MIN);
    expect(changes[1]!.at).toBeGreaterThan(back);
  });

  it('a sparse series with an ordinary quiet stretch sustains nothing', () => {
    // About one call every other minute: runs of zeros are common, ten expected calls in one are not.
    const day0 = Math.floor(T0 / DAY) * DAY;
    let seed = 3;
    const random = (): number => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const rates = new Map<number, number>();
    const traffic = (t: number): { calls: number } => {
      let calls = rates.get(t);
      if (calls === undefined) rates.set(t, (calls = poisson(0.5, random)));
      return { calls };
    };
    let sustained = 0;
    for (let now = day0 + 3 * DAY; now < day0 + 3 * DAY + 6 * HOUR; now += MIN) {
      sustained += sustainedDrop(buildSeries({ start: day0, now, traffic }), DEFAULT_DETECTION_CONFIG).length;
    }
    expect(sustained).toBe(0);
  });
});
