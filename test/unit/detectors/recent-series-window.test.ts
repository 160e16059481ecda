import { describe, expect, it } from 'vitest';
import type { SeriesBaseline, TrafficSeries } from '../../../common/history.js';
import type { MinuteRollup } from '../../../common/types.js';
import { RecentSeriesWindow } from '../../../detectors/recent-series-window.js';
import type { RecentHourRow } from '../../../storage/detection-queries.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const WINDOW = 75;
const T0 = Date.UTC(2026, 11, 1, 6, 0);

/** A seeded generator (mulberry32) so that a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The whole window assembled from scratch, as evaluate-step.ts did before series were kept between
 * cycles (and with a new series' first minute taken back to its first recent hour): the oracle.
 */
function assembleWhole(minutes: readonly MinuteRollup[], recentHours: readonly RecentHourRow[], baselines: ReadonlyMap<string, SeriesBaseline>, from: number, to: number): TrafficSeries[] {
  const count = Math.round((to - from) / MIN);
  const byKey = new Map<string, TrafficSeries>();
  const ensure = (vendor: string, service: string, firstMinute: number): TrafficSeries => {
    const k = `${vendor}\u0000${service}`;
    let s = byKey.get(k);
    if (!s) {
      const cached = baselines.get(k);
      const list = Array.from({ length: count }, (_, i) => ({ minute: from + i * MIN, vendor, service, calls: 0, errors: 0, requestBytes: 0, responseBytes: 0, latencyP95Ms: Number.NaN }));
      const baseline: SeriesBaseline = cached
        ? { ...cached }
        : { firstMinute, hourOfWeek: new Map(), hourOfDay: new Map(), errorRatio: 0, calls: 0, latencyP95Median: Number.NaN, latencyP95Mad: Number.NaN, requestBytesPerCall: 0 };
      byKey.set(k, (s = { vendor, service, minutes: list, recentHours: [], baseline }));
    }
    return s;
  };
  for (const [k, b] of baselines) ensure(k.split('\u0000')[0]!, k.split('\u0000')[1]!, b.firstMinute);
  for (const m of minutes) {
    for (const service of [m.service, '']) {
      const s = ensure(m.vendor, service, m.minute);
      s.baseline.firstMinute = Math.min(s.baseline.firstMinute, m.minute);
      const slot = s.minutes[Math.round((m.minute - from) / MIN)]!;
      slot.calls += m.calls;
      slot.errors += m.errors;
      slot.requestBytes += m.requestBytes;
      slot.responseBytes += m.responseBytes;
      if (service !== '') slot.latencyP95Ms = m.latencyP95Ms;
    }
  }
  for (const h of recentHours) {
    for (const service of [h.service, '']) {
      const s = byKey.get(`${h.vendor}\u0000${service}`);
      if (!s) continue;
      const prev = s.recentHours.find((x) => x.hour === h.hour);
      if (prev) {
        prev.calls += h.calls;
        prev.errors = (prev.errors ?? 0) + h.errors;
        prev.requestBytes += h.requestBytes;
        prev.responseBytes += h.responseBytes;
      } else s.recentHours.push({ hour: h.hour, calls: h.calls, errors: h.errors, requestBytes: h.requestBytes, responseBytes: h.responseBytes });
    }
  }
  for (const s of byKey.values()) {
    s.recentHours.sort((a, b) => a.hour - b.hour);
    // A series without a baseline has been seen since its first recent hour with calls, if earlier.
    const firstHour = s.recentHours.find((h) => h.calls > 0)?.hour;
    if (!baselines.has(`${s.vendor}\u0000${s.service}`) && firstHour !== undefined) s.baseline.firstMinute = Math.min(s.baseline.firstMinute, firstHour);
  }
  return [...byKey.values()];
}

/** What a detector sees of each series, in one order. */
function seen(series: readonly TrafficSeries[]): unknown[] {
  return series
    .map((s) => ({ vendor: s.vendor, service: s.service, minutes: s.minutes.map((m) => ({ ...m })), recentHours: s.recentHours, baseline: s.baseline }))
    .sort((a, b) => (a.vendor === b.vendor ? (a.service < b.service ? -1 : 1) : a.vendor < b.vendor ? -1 : 1));
}

describe('RecentSeriesWindow', () => {
  it.each([1, 2, 3])('gives, cycle after cycle, what assembling the whole window gives (seed %i)', (seed) => {
    const rnd = random(seed);
    // The store: one row per (vendor, service, minute) with traffic; rows of the last minutes still grow (late spans).
    const store = new Map<string, MinuteRollup>();
    const write = (vendor: string, service: string, minute: number): void => {
      const k = `${vendor}|${service}|${minute}`;
      const prev = store.get(k);
      const calls = 1 + Math.floor(rnd() * 20);
      const latency = rnd() < 0.1 ? Number.NaN : Math.round(rnd() * 500);
      if (prev) Object.assign(prev, { calls: prev.calls + calls, errors: prev.errors + 1, requestBytes: prev.requestBytes + calls * 100, latencyP95Ms: latency });
      else store.set(k, { minute, vendor, service, calls, errors: Math.floor(rnd() * 2), requestBytes: calls * 400, responseBytes: calls * 900, latencyP95Ms: latency });
    };
    // Series come and go: a service that only sends for a while, a vendor that starts mid-run.
    const senders = ['a|s1', 'a|s2', 'b|s1', 'c|s3', 'c|s4', 'd|s5'];
    const active = (sender: string, minute: number): boolean =>
      sender === 'c|s4' ? minute < T0 + 40 * MIN : sender === 'd|s5' ? minute >= T0 + 130 * MIN : rnd() < (sender === 'b|s1' ? 0.1 : 0.7);
    const baseline = (firstMinute: number): SeriesBaseline => ({
      firstMinute,
      hourOfWeek: new Map(),
      hourOfDay: new Map(),
      errorRatio: 0.01,
      calls: 1000,
      latencyP95Median: 200,
      latencyP95Mad: Number.NaN,
      requestBytesPerCall: 400,
    });
    const w = new RecentSeriesWindow();
    let to = T0 + WINDOW * MIN;
    for (let minute = T0; minute < to; minute += MIN) for (const s of senders) if (active(s, minute)) write(s.split('|')[0]!, s.split('|')[1]!, minute);
    for (let cycle = 0; cycle < 120; cycle++) {
      // Mostly a minute a cycle; sometimes two, and once a replay starting over further back.
      const step = cycle === 60 ? -30 : rnd() < 0.15 ? 2 : 1;
      const next = to + step * MIN;
      for (let minute = Math.max(to, next - 5 * MIN); minute < next; minute += MIN) {
        for (const s of senders) if (active(s, minute)) write(s.split('|')[0]!, s.split('|')[1]!, minute);
      }
      // Late spans for the minutes just closed.
      for (const s of senders) if (rnd() < 0.3) write(s.split('|')[0]!, s.split('|')[1]!, next - (1 + Math.floor(rnd() * 3)) * MIN);
      to = next;
      const from = to - WINDOW * MIN;
      const hour = Math.floor(from / HOUR) * HOUR;
      // Baselines and complete hours change when the hour turns (the same arrays all hour, as cached).
      const baselines = new Map<string, SeriesBaseline>(
        hour % (2 * HOUR) === 0 ? [['a\u0000s1', baseline(T0 - 7 * 24 * HOUR)], ['a\u0000', baseline(T0 - 7 * 24 * HOUR)]] : [['b\u0000s1', baseline(T0 - 24 * HOUR)], ['c\u0000s4', baseline(T0 - 24 * HOUR)]],
      );
      const recentHours: RecentHourRow[] = [
        { vendor: 'a', service: 's1', hour: hour - HOUR, calls: 600, errors: 3, requestBytes: 240_000, responseBytes: 1 },
        { vendor: 'a', service: 's2', hour: hour - HOUR, calls: 50, errors: 0, requestBytes: 20_000, responseBytes: 1 },
        { vendor: 'a', service: 's1', hour: hour - 2 * HOUR, calls: 500, errors: 1, requestBytes: 200_000, responseBytes: 1 },
        { vendor: 'e', service: 's9', hour: hour - HOUR, calls: 5, errors: 0, requestBytes: 2_000, responseBytes: 1 },
      ];
      const rows = (a: number, b: number): MinuteRollup[] => [...store.values()].filter((m) => m.minute >= a && m.minute < b).map((m) => ({ ...m }));
      const plan = w.plan(from, to);
      expect(plan.readFrom).toBe(cycle === 0 || cycle === 60 ? from : Math.max(from, to - step * MIN - 5 * MIN));
      const got = w.apply(plan, rows(plan.readFrom, to), { recentHours, baselines });
      expect(got).toBeDefined();
      expect(seen(got!)).toEqual(seen(assembleWhole(rows(from, to), recentHours, baselines, from, to)));
    }
  });

  it('refuses rows planned against a window another cycle has moved since, and a whole read repairs it', () => {
    const w = new RecentSeriesWindow();
    const row = (minute: number): MinuteRollup => ({ minute, vendor: 'a', service: 's', calls: 1, errors: 0, requestBytes: 1, responseBytes: 1, latencyP95Ms: 5 });
    const inputs = { recentHours: [], baselines: new Map<string, SeriesBaseline>() };
    const to = T0 + WINDOW * MIN;
    w.apply(w.plan(T0, to), [row(T0), row(to - MIN)], inputs);
    const stale = w.plan(T0 + MIN, to + MIN);
    expect(w.apply(w.plan(T0 + MIN, to + MIN), [row(to)], inputs)).toBeDefined();
    expect(w.apply(stale, [row(to)], inputs)).toBeUndefined();
    const whole = w.plan(T0 + MIN, to + MIN, true);
    expect(whole.readFrom).toBe(T0 + MIN);
    const series = w.apply(whole, [row(to - MIN), row(to)], inputs)!;
    expect(series.map((s) => [s.service, s.minutes.filter((m) => m.calls > 0).length])).toEqual([['s', 2], ['', 2]]);
  });
});
