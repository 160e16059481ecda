import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSeriesCsv } from '../../cli/commands/backtest.js';
import { packageRoot } from '../../common/package-root.js';
import { scoreSeries } from '../../detectors/backtest-series.js';
import { loadCorpus } from './corpus.js';
import { NAB_PROFILES, nabScore, probationaryRows, scaledSigmoid, type ScoredFile } from './scorer.js';

/**
 * `node dist/bench/nab/windows.js`: scores the NAB corpus in-process (no result files) and lists,
 * per file, the windows missed at the standard profile's threshold and the false-positive rows,
 * with what the series did around each (medians and spreads before and inside a missed window),
 * so that a new signal is chosen from what the misses have in common. Labels are read here only,
 * to report; the detector never sees them.
 */
function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
}

function mad(a: number[]): number {
  const m = median(a);
  return 1.4826 * median(a.map((v) => Math.abs(v - m)));
}

function main(): void {
  const nabDir = resolve(process.env['NAB_DIR'] ?? join(packageRoot(), '..', 'shared', 'nab'));
  const corpus = loadCorpus(nabDir);
  const started = process.hrtime.bigint();
  const series = corpus.map((c) => parseSeriesCsv(readFileSync(join(nabDir, 'data', c.name), 'utf8'), c.name));
  const files: ScoredFile[] = corpus.map((c, i) => ({ name: c.name, windows: c.windows, scores: scoreSeries(series[i]!.times, series[i]!.values) }));
  const ns = Number(process.hrtime.bigint() - started);
  const rows = corpus.reduce((n, c) => n + c.rows, 0);
  console.log(`${rows} rows in ${(ns / 1e9).toFixed(1)} s (${(ns / 1e3 / rows).toFixed(1)} µs per point, parsing included)`);
  for (const [profile, cost] of Object.entries(NAB_PROFILES)) {
    const r = nabScore(files, cost);
    console.log(`${profile.padEnd(20)} ${r.score.toFixed(1).padStart(6)}   (threshold ${r.threshold.toFixed(4)})`);
  }
  const t = nabScore(files, NAB_PROFILES.standard).threshold;
  let missed = 0;
  const earned: number[] = [];
  let fpTotal = 0;
  for (const [fi, f] of files.entries()) {
    const values = series[fi]!.values;
    const probation = probationaryRows(f.scores.length);
    const inWindow = (i: number): boolean => f.windows.some(([a, b]) => i >= a && i <= b);
    const fps = f.scores.map((s, i) => (s >= t && i >= probation && !inWindow(i) ? i : -1)).filter((i) => i >= 0);
    fpTotal += fps.length;
    const lines: string[] = [];
    for (const [a, b] of f.windows) {
      let best = 0;
      let at = -1;
      for (let i = a; i <= b; i++) if (f.scores[i]! > best) [best, at] = [f.scores[i]!, i];
      if (best >= t && at >= probation) {
        const first = f.scores.findIndex((sc, i) => i >= a && i <= b && i >= probation && sc >= t);
        const reward = scaledSigmoid(-(b - first + 1) / (b - a + 1)) / scaledSigmoid(-1);
        earned.push(reward);
        if (reward < 0.7) lines.push(`  late [${a}, ${b}]: first at +${first - a} of ${b - a + 1}, earns ${reward.toFixed(2)}`);
        continue;
      }
      missed++;
      const before = values.slice(Math.max(0, a - 500), a);
      const firstHalf = values.slice(a, Math.floor((a + b) / 2));
      const inside = values.slice(a, b + 1);
      const mb = median(before);
      const sb = mad(before);
      const early = f.scores.map((s, i) => (s >= t && i < a && i >= a - (b - a) ? a - i : -1)).filter((d) => d >= 0);
      lines.push(
        `  missed [${a}, ${b}] (${b - a + 1} rows${a < probation ? ', starts in probation' : ''}): best score ${best.toFixed(3)} at +${at - a}; ` +
          `before median ${mb.toPrecision(4)} spread ${sb.toPrecision(3)}; window median ${median(inside).toPrecision(4)} (first half ${median(firstHalf).toPrecision(4)}) ` +
          `spread ${mad(inside).toPrecision(3)}; shift ${((median(firstHalf) - mb) / (sb || 1)).toFixed(2)} spreads` +
          (early.length > 0 ? `; fired ${early.join(', ')} rows before it` : ''),
      );
    }
    if (lines.length > 0 || fps.length > 0) {
      console.log(`${f.name}: ${f.windows.length} windows, ${fps.length} fp${fps.length > 0 ? ` at ${fps.slice(0, 12).join(', ')}${fps.length > 12 ? ', …' : ''}` : ''}`);
      for (const l of lines) console.log(l);
    }
  }
  console.log(`detected ${earned.length}, earning ${earned.reduce((x, y) => x + y, 0).toFixed(2)} (${earned.filter((r) => r < 0.7).length} below 0.7)`);
  console.log(`missed ${missed} windows, ${fpTotal} false-positive rows at threshold ${t.toFixed(4)}`);
}

main();
