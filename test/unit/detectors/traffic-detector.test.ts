import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import { detectTraffic } from '../../../detectors/traffic-detector.js';
import { buildSeries, businessCurve, DAY, HOUR, MIN, poisson, type Point } from './series-fixture.js';
import { seededRandom } from '../../../common/seeded-random.js';
import type { Finding } from '../../../common/types.js';

const config = DEFAULT_DETECTION_CONFIG;
/** Monday 2026-11-02 00:00 UTC; four weeks of history end on Monday 2026-11-30. */
const START = Date.UTC(2026, 10, 2);
const NOW_TUE_11H = Date.UTC(2026, 11, 1, 11, 0); // a Tuesday, business hours

function noisy(rate: (t: number) => number, extra: (t: number, p: Point) => Point = (_t, p) => p, seed = 1): (t: number) => Point {
  const memo = new Map<number, Point>();
  return (t) => {
    let p = memo.get(t);
    if (!p) {
      const calls = poisson(rate(t), seededRandom(Math.floor(t / MIN) * 7919 + seed));
      memo.set(t, (p = extra(t, { calls, requestBytes: calls * 400, errors: 0, latencyP95Ms: 100 })));
    }
    return p;
  };
}

/** Runs the detector on the last `minutes` minutes before `now`, one tick per minute like the worker; `sustain` findings apart. */
function replay(traffic: (t: number) => Point, now: number, minutes: number, start = START, sustains: Finding[] = []): Finding[] {
  const out: Finding[] = [];
  for (let end = now - (minutes - 1) * MIN; end <= now; end += MIN) {
    for (const f of detectTraffic(buildSeries({ start, now: end, traffic }), 1, config)) (f.sustain ? sustains : out).push(f);
  }
  return out;
}

const kinds = (fs: Array<{ kind: string }>): string[] => [...new Set(fs.map((f) => f.kind))];

describe('traffic detector', () => {
  const normal = (t: number): number => 20 * businessCurve(t);

  it('raises nothing on Poisson noise around a seasonal baseline', () => {
    expect(replay(noisy(normal), NOW_TUE_11H, 60)).toEqual([]);
  });

  it('flags a 6× spike from its first minute to its last, not as the new normal', () => {
    const incident = NOW_TUE_11H - 15 * MIN;
    const traffic = noisy((t) => normal(t) * (t >= incident ? 6 : 1));
    const findings = replay(traffic, NOW_TUE_11H, 15);
    expect(kinds(findings)).toEqual(['volume_spike']);
    expect(findings).toHaveLength(15);
    expect(findings[14]!.value! / findings[14]!.expected!).toBeGreaterThan(4);
    expect(findings.every((f) => f.score >= 0.5 && f.score <= 1)).toBe(true);
    expect(findings[0]!.summary).toMatch(/checkout → stripe/);
  });

  it('flags a request-bytes surge at normal call counts as bytes_spike only', () => {
    const incident = NOW_TUE_11H - 10 * MIN;
    const traffic = noisy(normal, (t, p) => (t >= incident ? { ...p, requestBytes: p.calls * 4000 } : p));
    const findings = replay(traffic, NOW_TUE_11H - MIN, 10);
    expect(kinds(findings)).toEqual(['bytes_spike']);
    expect(findings[0]!.details?.['bytes_per_call']).toBe('4 kB');
  });

  it('flags calls stopping as volume_drop', () => {
    const incident = NOW_TUE_11H - 10 * MIN;
    const findings = replay(noisy((t) => (t >= incident ? 0 : normal(t))), NOW_TUE_11H - MIN, 10);
    expect(kinds(findings)).toEqual(['volume_drop']);
    expect(findings.length).toBeGreaterThanOrEqual(8);
  });

  it('says a drop still holds while calls stay below the band, and stops once they are back', () => {
    const incident = NOW_TUE_11H - 60 * MIN;
    const back = NOW_TUE_11H - 20 * MIN;
    const sustains: Finding[] = [];
    const findings = replay(noisy((t) => (t >= incident && t < back ? normal(t) * 0.2 : normal(t))), NOW_TUE_11H, 60, START, sustains);
    expect(kinds(findings)).toEqual(['volume_drop']);
    // Whenever the 10% trickle is not news any more, it is still below the band; after the calls return, nothing is.
    const during = new Set([...findings, ...sustains].filter((f) => f.at >= incident + 10 * MIN && f.at < back).map((f) => f.at));
    expect(during.size).toBe(30);
    expect(sustains.length).toBeGreaterThan(0);
    expect(sustains.every((f) => f.kind === 'volume_drop' && f.score === 0 && f.at < back + 10 * MIN)).toBe(true);
    expect([...findings, ...sustains].filter((f) => f.at >= back + 10 * MIN)).toEqual([]);
  });

  it('flags failing calls as error_spike and slow calls as latency_spike', () => {
    const incident = NOW_TUE_11H - 5 * MIN;
    const errors = replay(noisy(normal, (t, p) => (t >= incident ? { ...p, errors: Math.round(p.calls * 0.4) } : p)), NOW_TUE_11H - MIN, 5);
    expect(kinds(errors)).toEqual(['error_spike']);
    const slow = replay(noisy(normal, (t, p) => (t >= incident ? { ...p, latencyP95Ms: 900 } : p)), NOW_TUE_11H - MIN, 5);
    expect(kinds(slow)).toEqual(['latency_spike']);
    expect(slow[0]!.expected).toBe(100);
  });

  it('judges errors against the recent hours too: a job failing at a steady rate fails a larger share at night', () => {
    // Two failing calls every minute, day and night; calls follow the business curve, so the
    // failing share is 10% by day and 33% at night against 12% over the whole history.
    const traffic = noisy(normal, (_t, p) => ({ ...p, errors: Math.min(p.calls, 2) }));
    const night = Date.UTC(2026, 11, 1, 3, 0);
    expect(replay(traffic, night, 60)).toEqual([]);
    // The same failures on top of a real outage of half the calls are still news.
    const failing = noisy(normal, (t, p) => ({ ...p, errors: t >= night - 20 * MIN ? Math.round(p.calls * 0.8) : Math.min(p.calls, 2) }));
    expect(kinds(replay(failing, night, 10))).toEqual(['error_spike']);
  });

  it('raises nothing on a holiday-like low day (40% of a normal weekday)', () => {
    const holiday = Date.UTC(2026, 11, 1);
    const traffic = noisy((t) => normal(t) * (t >= holiday ? 0.4 : 1));
    expect(replay(traffic, NOW_TUE_11H, 180)).toEqual([]);
  });

  it('raises nothing on a planned 30% ramp over the last week', () => {
    const rampFrom = NOW_TUE_11H - 7 * DAY;
    const traffic = noisy((t) => normal(t) * (t < rampFrom ? 1 : 1 + (0.3 * (t - rampFrom)) / (7 * DAY)));
    expect(replay(traffic, NOW_TUE_11H, 120)).toEqual([]);
  });

  it('raises nothing for a sparse vendor sending 3 calls instead of 1', () => {
    const sparse = noisy(() => 0.05, (t, p) => (t === NOW_TUE_11H - MIN ? { ...p, calls: 3, requestBytes: 1200 } : p), 3);
    expect(replay(sparse, NOW_TUE_11H - MIN, 120)).toEqual([]);
  });

  it('waits out the warm-up of a brand-new series, then judges it by its recent level', () => {
    const born = NOW_TUE_11H - 60 * MIN;
    const young = noisy((t) => (t < born ? 0 : t >= NOW_TUE_11H - 5 * MIN ? 120 : 20));
    expect(replay(young, NOW_TUE_11H - MIN, 5, born)).toEqual([]);
    const older = noisy((t) => (t < born - 2 * HOUR ? 0 : t >= NOW_TUE_11H - 5 * MIN ? 120 : 20));
    expect(kinds(replay(older, NOW_TUE_11H - MIN, 5, born - 2 * HOUR))).toEqual(['volume_spike']);
  });

  it('gives a service that started yesterday a time-of-day baseline', () => {
    const born = NOW_TUE_11H - 26 * HOUR;
    const rate = (t: number): number => (t < born ? 0 : normal(t));
    expect(replay(noisy(rate), NOW_TUE_11H, 60, born)).toEqual([]);
    const incident = NOW_TUE_11H - 5 * MIN;
    const spiked = noisy((t) => rate(t) * (t >= incident ? 6 : 1));
    expect(kinds(replay(spiked, NOW_TUE_11H - MIN, 5, born))).toEqual(['volume_spike']);
  });
});
