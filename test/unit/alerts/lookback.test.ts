import { describe, expect, it } from 'vitest';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { advance, type AlertStates } from '../../../alerts/lifecycle.js';
import { LookbackTracker } from '../../../alerts/lookback.js';
import { ruleBook } from '../../../alerts/rules.js';
import type { Alert, Finding } from '../../../common/types.js';
import { MIN, T0, spike, testConfig } from './fixtures.js';

const config = testConfig();
const rules = ruleBook(config.alerts);
const gap = (vendor: string, kind: Finding['kind']): number => rules(vendor, kind).resolveAfterSteps;

/** Steps [0, n) of findings; a spike run on stripe over `spikeSteps`, a PII finding on twilio over `piiSteps`. */
function history(n: number, spikeSteps: (s: number) => boolean, piiSteps: (s: number) => boolean): Finding[][] {
  return Array.from({ length: n }, (_, s) => [
    ...(spikeSteps(s) ? [spike(s)] : []),
    ...(piiSteps(s) ? [{ ...spike(s), kind: 'pii_violation' as const, vendor: 'twilio', service: 'sms', field: 'to', summary: 'twilio receives phone' }] : []),
  ]);
}

/**
 * What a replay with its window starting at step `from` prints: alerts open when the window opens,
 * then the changes in it — the lifecycle started where the tracker says.
 */
function replayFrom(steps: Finding[][], from: number): string[] {
  const tracker = new LookbackTracker(gap, 60);
  let k = 1;
  for (; k <= from && !tracker.done; k++) tracker.observe(k, steps[from - k]!);
  const start = from - (k - 1);
  const options = lifecycleOptions(config);
  let states: AlertStates = {};
  for (let s = start; s < from; s++) states = advance(states, steps[s]!, T0 + (s + 1) * MIN, options).states;
  const out: Alert[] = Object.values(states)
    .filter((st) => st.phase === 'firing')
    .map((st) => ({ status: 'firing', kind: st.kind, startsAt: new Date(st.startsAtMs).toISOString() }) as Alert);
  for (let s = from; s < steps.length; s++) {
    const r = advance(states, steps[s]!, T0 + (s + 1) * MIN, options);
    states = r.states;
    out.push(...r.transitions);
  }
  return out.map((a) => `${a.status} ${a.kind} ${a.startsAt}${a.endsAt ? ` → ${a.endsAt}` : ''}`);
}

describe('replay look-back', () => {
  it('reads back only as far as the longest resolve gap when nothing was going on', () => {
    const tracker = new LookbackTracker(gap, 60);
    for (let k = 1; k <= 60; k++) tracker.observe(k, []);
    expect(tracker.done).toBe(true);
  });

  it('follows a run back to its start, for its vendor only', () => {
    // A spike runs from step 100 into the window, which opens at 180. Twilio had PII long before.
    const steps = history(180, (s) => s >= 100, (s) => s < 20);
    const tracker = new LookbackTracker(gap, 60);
    let k = 1;
    const scopes: string[][] = [];
    for (; !tracker.done; k++) {
      tracker.observe(k, steps[180 - k]!);
      scopes.push(tracker.unsettledVendors());
    }
    // The spike's first step is 80 back; 5 quiet steps before it settle it.
    expect(k - 1).toBe(85);
    expect(scopes[70]).toEqual(['stripe']);
    expect(tracker.unsettled).toBe(0);
  });

  it('gives the same alerts for the same steps whatever step the window opens at', () => {
    const steps = history(400, (s) => s >= 150 && s < 250, (s) => s >= 120 && s < 260);
    const late = replayFrom(steps, 240);
    const early = replayFrom(steps, 140);
    // The early replay also saw the runs start; from step 240 on, both say the same.
    expect(late).toEqual([
      'firing volume_spike 2026-11-23T12:30:00.000Z',
      'firing pii_violation 2026-11-23T12:00:00.000Z',
      'resolved volume_spike 2026-11-23T12:30:00.000Z → 2026-11-23T14:15:00.000Z',
      'resolved pii_violation 2026-11-23T12:00:00.000Z → 2026-11-23T15:20:00.000Z',
    ]);
    expect(early.filter((line) => line.startsWith('resolved'))).toEqual(late.filter((line) => line.startsWith('resolved')));
    expect(early.filter((line) => line.startsWith('firing')).sort()).toEqual(late.filter((line) => line.startsWith('firing')).sort());
  });
});
