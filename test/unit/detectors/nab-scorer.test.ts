import { describe, expect, it } from 'vitest';
import { NAB_PROFILES, nabScore, probationaryRows, scaledSigmoid, type ScoredFile } from '../../../bench/nab/scorer.js';

function file(name: string, rows: number, windows: Array<[number, number]>, scores?: (i: number) => number): ScoredFile {
  return { name, windows, scores: Array.from({ length: rows }, (_, i) => scores?.(i) ?? 0) };
}

const corpus = (scores?: (f: number, i: number) => number): ScoredFile[] => [
  file('a.csv', 4000, [[1000, 1200], [3000, 3200]], scores && ((i) => scores(0, i))),
  file('b.csv', 2000, [[1500, 1600]], scores && ((i) => scores(1, i))),
  file('c.csv', 1000, [], scores && ((i) => scores(2, i))),
];
const starts = [[1000, 3000], [1500], []];

describe('NAB scorer', () => {
  it('follows the published constants', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 4);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 4);
    expect(scaledSigmoid(0)).toBeCloseTo(0, 9);
    expect(scaledSigmoid(3)).toBe(-1);
    expect(probationaryRows(4000)).toBe(600);
    expect(probationaryRows(22695)).toBe(750);
  });

  it('scores the null detector 0 and a perfect detector 100 on every profile', () => {
    for (const cost of Object.values(NAB_PROFILES)) {
      expect(nabScore(corpus(), cost).score).toBeCloseTo(0, 9);
      const perfect = corpus((f, i) => (starts[f]!.includes(i) ? 1 : 0));
      expect(nabScore(perfect, cost).score).toBeCloseTo(100, 9);
    }
  });

  it('rewards early detection and charges false positives', () => {
    const late = nabScore(corpus((f, i) => (starts[f]!.some((s) => i === s + 150) ? 1 : 0)), NAB_PROFILES.standard).score;
    const early = nabScore(corpus((f, i) => (starts[f]!.some((s) => i === s + 10) ? 1 : 0)), NAB_PROFILES.standard).score;
    const noisy = nabScore(corpus((f, i) => (starts[f]!.some((s) => i === s + 10) || (f === 2 && i % 50 === 0 && i > 200) ? 1 : 0)), NAB_PROFILES.standard).score;
    expect(early).toBeGreaterThan(late);
    expect(late).toBeGreaterThan(50);
    expect(noisy).toBeLessThan(early);
  });
});
