import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runBacktest } from '../../cli/commands/backtest.js';
import { packageRoot } from '../../common/package-root.js';
import { loadCorpus, loadResults } from './corpus.js';
import { NAB_PROFILES, nabScore, probationaryRows } from './scorer.js';

/**
 * `npm run bench:nab`: runs `backtest` over the NAB corpus (../shared/nab, or NAB_DIR) and prints
 * the normalised score of each profile. Results go to a temp dir unless NAB_RESULTS is set.
 */
async function main(): Promise<void> {
  const nabDir = resolve(process.env['NAB_DIR'] ?? join(packageRoot(), '..', 'shared', 'nab'));
  const keep = process.env['NAB_RESULTS'];
  const out = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'egresswatch-nab-'));
  try {
    const started = Date.now();
    const summary = runBacktest({ input: join(nabDir, 'data'), output: out });
    const seconds = (Date.now() - started) / 1000;
    const files = loadResults(out, loadCorpus(nabDir));
    console.log(`NAB: ${summary.files} files, ${summary.rows} rows scored in ${seconds.toFixed(1)} s`);
    for (const [profile, cost] of Object.entries(NAB_PROFILES)) {
      const r = nabScore(files, cost);
      console.log(`${profile.padEnd(20)} ${r.score.toFixed(1).padStart(6)}   (threshold ${r.threshold.toFixed(4)}, raw ${r.raw.toFixed(2)})`);
    }
    if (process.env['NAB_PER_FILE']) {
      const t = nabScore(files, NAB_PROFILES.standard).threshold;
      let totalDetected = 0;
      let totalWindows = 0;
      let totalFp = 0;
      for (const f of files) {
        const probation = probationaryRows(f.scores.length);
        const hits = f.scores.map((s, i) => (s >= t && i >= probation ? i : -1)).filter((i) => i >= 0);
        const inWindow = (i: number): boolean => f.windows.some(([a, b]) => i >= a && i <= b);
        const detected = f.windows.filter(([a, b]) => hits.some((i) => i >= a && i <= b)).length;
        const fps = hits.filter((i) => !inWindow(i)).length;
        console.log(`${f.name.padEnd(60)} windows ${detected}/${f.windows.length} fp ${fps}`);
        totalDetected += detected;
        totalWindows += f.windows.length;
        totalFp += fps;
      }
      console.log(`windows detected ${totalDetected}/${totalWindows}, false positives ${totalFp}`);
    }
  } finally {
    if (!keep) rmSync(out, { recursive: true, force: true });
  }
}

await main();
