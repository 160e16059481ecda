import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import type { Finding } from '../../../common/types.js';
import { sustainedDrop } from '../../../detectors/drop-sustain.js';
import { buildSeries, HOUR, MIN, type Point } from './series-fixture.js';

const config = DEFAULT_DETECTION_CONFIG;
/** Monday 2026-11-02 00:00 UTC; four weeks of history end on Monday 2026-11-30. */
const START = Date.UTC(2026, 10, 2);
const NOW_TUE_08H = Date.UTC(2026, 11, 1, 8, 0);

/** A job that sends its 20 calls in one burst every tenth minute, day and night, until `stop`. */
function bursts(stop = Number.POSITIVE_INFINITY): (t: number) => Point {
  return (t) => ({ calls: t < stop && Math.floor(t / MIN) % 10 === 0 ? 20 : 0 });
}

/** The sustains of every tick in [from, to), one series built per tick like the worker. */
function sustains(traffic: (t: number) => Point, from: number, to: number): Finding[] {
  const out: Finding[] = [];
  for (let now = from + MIN; now <= to; now += MIN) out.push(...sustainedDrop(buildSeries({ start: START, now, traffic }), config));
  return out;
}

describe('sustainedDrop', () => {
  it('raises nothing over the silent minutes between the bursts of a vendor that calls in bursts', () => {
    // Nine silent minutes after each burst: 18 calls' worth of the slot's mean, but under one burst.
    expect(sustains(bursts(), NOW_TUE_08H, NOW_TUE_08H + 2 * HOUR)).toEqual([]);
  });

  it('still says the drop holds once the bursts have stopped for long enough', () => {
    const stop = NOW_TUE_08H - 3 * HOUR;
    const held = sustains(bursts(stop), NOW_TUE_08H, NOW_TUE_08H + 30 * MIN);
    // Three hours without a burst (18 missed): every tick keeps the drop open.
    expect(held).toHaveLength(30);
    expect(held.every((f) => f.kind === 'volume_drop' && f.sustain === true && f.severity === 'info')).toBe(true);
    expect(held[0]!.summary).toMatch(/^No call checkout → stripe for the last 75 min nor in the complete hour before, about \d+ expected\.$/);
  });

  it('needs about ten missed bursts, not ten calls, before it holds', () => {
    const stop = NOW_TUE_08H;
    const held = sustains(bursts(stop), stop, stop + 3 * HOUR);
    // Ten bursts are 100 minutes; the hour before the recent minutes speaks once it is complete.
    expect(held.length).toBeGreaterThan(0);
    expect(held[0]!.at - stop).toBeGreaterThanOrEqual(100 * MIN);
    expect(held[0]!.at - stop).toBeLessThanOrEqual(140 * MIN);
  });
});
