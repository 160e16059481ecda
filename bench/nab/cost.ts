import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSeriesCsv } from '../../cli/commands/backtest.js';
import { packageRoot } from '../../common/package-root.js';
import { scorerOptionsFor } from '../../detectors/backtest-series.js';
import { VolumeScorer } from '../../detectors/volume-scorer.js';
import { MedianShift } from '../../detectors/median-shift.js';
import { resolveScorerOptions, type VolumeScorerOptions } from '../../detectors/volume-scorer-options.js';
import { loadCorpus } from './corpus.js';

/**
 * `node dist/bench/nab/cost.js`: µs per point of the self-calibrating scorer over the NAB corpus
 * (parsing excluded), with one option changed against the default, the two alternating in one
 * process so that the machine's load hits both alike. Default change: the median-shift window off.
 */
function main(): void {
  const nabDir = resolve(process.env['NAB_DIR'] ?? join(packageRoot(), '..', 'shared', 'nab'));
  const rounds = Number(process.env['ROUNDS'] ?? 2);
  const series = loadCorpus(nabDir).map((c) => parseSeriesCsv(readFileSync(join(nabDir, 'data', c.name), 'utf8'), c.name));
  const rows = series.reduce((n, s) => n + s.values.length, 0);
  const variants: Array<[string, VolumeScorerOptions]> = [
    ['median window off', { medianWindow: 0 }],
    ['default', {}],
  ];
  const totals = variants.map(() => 0);
  let sink = 0;
  // File by file, the two in turn (order swapped each round): load that changes during a run hits both.
  for (let round = 0; round < rounds; round++) {
    for (const s of series) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const v of order) {
        const started = process.hrtime.bigint();
        const scorer = new VolumeScorer({ ...scorerOptionsFor('value'), ...variants[v]![1] });
        for (let i = 0; i < s.values.length; i++) sink += scorer.update(s.times[i]!, s.values[i]!).score;
        totals[v]! += Number(process.hrtime.bigint() - started);
      }
    }
  }
  const [off, on] = totals.map((ns) => ns / 1e3 / rows / rounds);
  for (const [v, [name]] of variants.entries()) console.log(`${name.padEnd(20)} ${[off, on][v]!.toFixed(1)} µs per point`);
  console.log(`×${(on! / off!).toFixed(3)} over ${rounds} rounds of ${rows} points (checksum ${sink.toFixed(1)})`);
  // The signal alone: a MedianShift of the default window over as many z values.
  const shift = new MedianShift(resolveScorerOptions({}).medianWindow, resolveScorerOptions({}).deviationWindow);
  let state = 1;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    sink += shift.push(state / 2 ** 32 - 0.5);
  }
  console.log(`MedianShift.push alone: ${(Number(process.hrtime.bigint() - started) / 1e3 / rows).toFixed(2)} µs per point (${sink > 0 ? 'ok' : ''})`);
}

main();
