import { describe, expect, it } from 'vitest';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { advance, type AlertStates } from '../../../alerts/lifecycle.js';
import { parseConfig } from '../../../common/config/index.js';
import { seededRandom } from '../../../common/seeded-random.js';
import type { Alert, AlertKind } from '../../../common/types.js';
import { detectTraffic } from '../../../detectors/traffic-detector.js';
import { buildSeries, businessCurve, DAY, HOUR, MIN, poisson, type Point } from './series-fixture.js';

/**
 * Incidents a person would call one, on a sparse vendor (0.5–5 calls a minute) and a busy one
 * (150 a minute), replayed minute by minute through the traffic detector and the alert lifecycle
 * with the default configuration, as a live worker does. Each must fire exactly one alert within
 * 15 minutes of its start and resolve after it ends; a week of ordinary traffic with a holiday and
 * a planned ramp fires nothing.
 */

const config = parseConfig({});
const lifecycle = lifecycleOptions(config);
/** Monday 2026-11-02: four weeks of history before the scenario week starting Monday 2026-11-30. */
const START = Date.UTC(2026, 10, 2);
const WEEK = Date.UTC(2026, 10, 30);
const LAG_MS = 30_000;

interface Profile {
  /** Calls a minute at a weekday's business peak (nights 30%, weekends 50%). */
  rate: number;
  seed: number;
}

/** What changes during an incident, from `from` to `to`. */
interface Change {
  from: number;
  to: number;
  calls?: number;
  bytesPerCall?: number;
  errorRatio?: number;
  latency?: number;
}

const BYTES_PER_CALL = 400;
const LATENCY_MS = 120;
const ERROR_RATIO = 0.01;
/** p95 of 120 ms × U(0.8, 1.2): the live baseline's p95 over every call of a day. */
const USUAL_P95_MS = LATENCY_MS * 1.18;

/** The day's level: ±10% from day to day (lognormal), as real traffic has. */
function dayLevel(t: number, seed: number): number {
  const r = seededRandom(Math.floor(t / DAY) * 104_729 + seed);
  const g = Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
  return Math.exp(0.1 * g);
}

/**
 * Every minute of a flow: Poisson calls, each with its own size (±10%), duration (±20%) and
 * failure draw; the minute's p95 is that of its calls. `shape` scales the rate (holiday, ramp).
 */
function flow(profile: Profile, changes: readonly Change[] = [], shape: (t: number) => number = () => 1): (t: number) => Point {
  const memo = new Map<number, Point>();
  return (t) => {
    let p = memo.get(t);
    if (p) return p;
    const change = changes.find((c) => t >= c.from && t < c.to);
    const random = seededRandom(Math.floor(t / MIN) * 7919 + profile.seed);
    const rate = profile.rate * businessCurve(t) * dayLevel(t, profile.seed) * shape(t) * (change?.calls ?? 1);
    const calls = poisson(rate, random);
    let errors = 0;
    let requestBytes = 0;
    const durations: number[] = [];
    for (let c = 0; c < calls; c++) {
      if (random() < (change?.errorRatio ?? ERROR_RATIO)) errors++;
      requestBytes += Math.round(BYTES_PER_CALL * (change?.bytesPerCall ?? 1) * (0.9 + 0.2 * random()));
      durations.push(LATENCY_MS * (change?.latency ?? 1) * (0.8 + 0.4 * random()));
    }
    memo.set(t, (p = { calls, errors, requestBytes, latencyP95Ms: p95(durations) }));
    return p;
  };
}

function p95(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const pos = (values.length - 1) * 0.95;
  const lo = Math.floor(pos);
  return values[lo]! + (values[Math.min(values.length - 1, lo + 1)]! - values[lo]!) * (pos - lo);
}

/** Replays one step per minute over [from, to): detector, then lifecycle; returns every alert state change. */
function replay(traffic: (t: number) => Point, from: number, to: number): Array<{ minuteEnd: number; alert: Alert }> {
  let states: AlertStates = {};
  const out: Array<{ minuteEnd: number; alert: Alert }> = [];
  for (let t = from; t < to; t += MIN) {
    const series = buildSeries({ start: START, now: t + MIN, traffic, vendor: 'acme-api', service: 'billing', latencyP95Ms: USUAL_P95_MS });
    const findings = detectTraffic(series, 1, config.detection);
    const step = advance(states, findings, t + MIN + LAG_MS, lifecycle);
    states = step.states;
    for (const alert of step.transitions) out.push({ minuteEnd: t + MIN, alert });
  }
  return out;
}

interface Scenario {
  kind: AlertKind;
  vendor: 'sparse' | 'busy';
  rate: number;
  /** Incident start: Tuesday 10:30, or 02:00 for the bytes surge (exfiltration at night). */
  at: number;
  minutes: number;
  change: Omit<Change, 'from' | 'to'>;
}

const TUESDAY_1030 = WEEK + DAY + 10 * HOUR + 30 * MIN;
const TUESDAY_0200 = WEEK + DAY + 2 * HOUR;

const scenarios: Scenario[] = [
  { kind: 'volume_spike', vendor: 'sparse', rate: 1, at: TUESDAY_1030, minutes: 20, change: { calls: 8 } },
  { kind: 'volume_spike', vendor: 'busy', rate: 150, at: TUESDAY_1030, minutes: 20, change: { calls: 8 } },
  { kind: 'volume_drop', vendor: 'sparse', rate: 4, at: TUESDAY_1030, minutes: 30, change: { calls: 0 } },
  { kind: 'volume_drop', vendor: 'busy', rate: 150, at: TUESDAY_1030, minutes: 30, change: { calls: 0 } },
  { kind: 'bytes_spike', vendor: 'sparse', rate: 2, at: TUESDAY_0200, minutes: 30, change: { bytesPerCall: 15 } },
  { kind: 'bytes_spike', vendor: 'busy', rate: 150, at: TUESDAY_0200, minutes: 30, change: { bytesPerCall: 15 } },
  { kind: 'error_spike', vendor: 'sparse', rate: 2, at: TUESDAY_1030, minutes: 25, change: { errorRatio: 0.5 } },
  { kind: 'error_spike', vendor: 'busy', rate: 150, at: TUESDAY_1030, minutes: 25, change: { errorRatio: 0.5 } },
  { kind: 'latency_spike', vendor: 'sparse', rate: 2, at: TUESDAY_1030, minutes: 20, change: { latency: 5 } },
  { kind: 'latency_spike', vendor: 'busy', rate: 150, at: TUESDAY_1030, minutes: 20, change: { latency: 5 } },
];

describe('traffic scenarios through the alert lifecycle', () => {
  it.each(scenarios)('$kind on a $vendor vendor ($rate calls/min at peak) fires once within 15 minutes and resolves', (s) => {
    const end = s.at + s.minutes * MIN;
    const traffic = flow({ rate: s.rate, seed: s.rate * 31 + s.kind.length }, [{ ...s.change, from: s.at, to: end }]);
    const changes = replay(traffic, s.at - 60 * MIN, end + 60 * MIN);
    const summary = changes.map((c) => `${new Date(c.minuteEnd).toISOString().slice(11, 16)} ${c.alert.status} ${c.alert.kind}: ${c.alert.summary}`);
    // A new alert is a firing change not preceded by one of the same fingerprint (escalations repeat it).
    const firing = changes.filter((c, i) => c.alert.status === 'firing' && !changes.slice(0, i).some((p) => p.alert.fingerprint === c.alert.fingerprint && p.alert.status === 'firing' && !changes.slice(changes.indexOf(p), i).some((r) => r.alert.fingerprint === c.alert.fingerprint && r.alert.status === 'resolved')));
    expect(firing.map((c) => c.alert.kind), summary.join('\n')).toEqual([s.kind]);
    expect(firing[0]!.minuteEnd - s.at, summary.join('\n')).toBeLessThanOrEqual(15 * MIN);
    const resolved = changes.filter((c) => c.alert.status === 'resolved');
    expect(resolved.map((c) => c.alert.fingerprint), summary.join('\n')).toEqual([firing[0]!.alert.fingerprint]);
    expect(resolved[0]!.minuteEnd).toBeGreaterThan(end);
  });

  it.each([
    { vendor: 'sparse', rate: 1 },
    { vendor: 'busy', rate: 150 },
  ])('a week of ordinary $vendor traffic with a holiday and a planned 30% ramp fires nothing', ({ rate }) => {
    const holiday = WEEK + 2 * DAY;
    // The ramp: +30% over the week; the holiday (Wednesday): 40% of a normal day.
    const shape = (t: number): number => (t < WEEK ? 1 : 1 + (0.3 * (t - WEEK)) / (7 * DAY)) * (t >= holiday && t < holiday + DAY ? 0.4 : 1);
    const changes = replay(flow({ rate, seed: rate * 17 }, [], shape), WEEK, WEEK + 7 * DAY);
    expect(changes.map((c) => `${new Date(c.minuteEnd).toISOString()} ${c.alert.status} ${c.alert.kind}: ${c.alert.summary}`)).toEqual([]);
    // 10,080 cycles: the busy week took 123-152 s in two runs at load 26-31 (2 cores, shared).
  }, 300_000);
});
