import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { SortedWindow } from '../../../detectors/sorted-window.js';
import { VolumeScorer } from '../../../detectors/volume-scorer.js';
import { seededRandom } from '../../../common/seeded-random.js';

const MIN = 60_000;

describe('SortedWindow', () => {
  it('keeps the median and MAD of the last n values', () => {
    const random = seededRandom(4);
    const w = new SortedWindow(101);
    const all: number[] = [];
    for (let i = 0; i < 500; i++) {
      const v = Math.round(random() * 1000) / 10;
      w.push(v);
      all.push(v);
      const last = all.slice(-101);
      expect(w.median()).toBeCloseTo(median(last), 9);
      expect(w.mad()).toBeCloseTo(medianAbsoluteDeviation(last), 9);
    }
  });
});

describe('VolumeScorer (the backtest and live scorer)', () => {
  function run(values: number[]): number[] {
    const scorer = new VolumeScorer();
    return values.map((v, i) => scorer.update(i * 5 * MIN, v).score);
  }
  const noise = (n: number, seed = 1): number[] => {
    const r = seededRandom(seed);
    return Array.from({ length: n }, () => 100 + (r() - 0.5) * 20);
  };

  it('scores a spike high once, in [0, 1], and noise 0', () => {
    const values = noise(1000);
    values[800] = 400;
    values[801] = 390;
    const scores = run(values);
    expect(scores[800]).toBeGreaterThan(0.8);
    expect(scores[801]).toBe(0);
    expect(Math.max(...scores.slice(0, 800), ...scores.slice(802))).toBeLessThan(0.3);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
  });

  it('scores nothing during warm-up', () => {
    const values = noise(100);
    values[30] = 1000;
    expect(run(values)[30]).toBe(0);
  });

  it('is causal: a point’s score does not change with what follows', () => {
    const values = noise(600);
    const a = run(values);
    const b = run([...values.slice(0, 400), ...values.slice(400).map((v) => v * 3)]);
    expect(b.slice(0, 400)).toEqual(a.slice(0, 400));
  });

  it('keeps an incident out of the baseline: a level shift is still a deviation many points later', () => {
    const scorer = new VolumeScorer({ refractoryPoints: 1 });
    const values = noise(700);
    let z = 0;
    values.forEach((v, i) => {
      z = scorer.update(i * MIN, i >= 600 ? v * 3 : v).z;
    });
    expect(z).toBeGreaterThan(4);
  });

  it('judges a point against the recent local level too: a jump on a calm day after a noisy week', () => {
    const r = seededRandom(3);
    const values = Array.from({ length: 3000 }, (_, i) => 100 + (r() - 0.5) * (i < 2000 ? 100 : 4));
    values[2800] = 115;
    const scores = run(values);
    expect(scores[2800]).toBeGreaterThan(0.5);
    expect(Math.max(...scores.slice(2000, 2800))).toBeLessThan(0.3);
  });

  it('with counts, needs more than Poisson noise and more than minDelta calls', () => {
    const scorer = new VolumeScorer({ counts: true, minDelta: 5, warmupPoints: 0, selfCalibrate: false });
    const r = seededRandom(9);
    let max = 0;
    for (let i = 0; i < 2000; i++) max = Math.max(max, scorer.update(i * MIN, r() < 0.05 ? 1 : 0).level);
    expect(max).toBe(0);
    expect(scorer.update(2000 * MIN, 3).level).toBe(0);
    expect(scorer.update(2001 * MIN, 30).level).toBeGreaterThan(0.5);
  });
});
