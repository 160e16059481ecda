import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScoredFile } from './scorer.js';

/** Reads the `timestamp` column and, if present, the `anomaly_score` column of a CSV. */
function readColumns(path: string): { timestamps: string[]; scores: number[] } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((c) => c.trim());
  const scoreCol = header.indexOf('anomaly_score');
  const timestamps: string[] = [];
  const scores: number[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    timestamps.push((cells[0] ?? '').trim());
    scores.push(scoreCol >= 0 ? Number(cells[scoreCol]) : 0);
  }
  return { timestamps, scores };
}

/** Relative data paths (`realTweets/Twitter_volume_AAPL.csv`) with their windows as row ranges. */
export function loadCorpus(nabDir: string): Array<{ name: string; windows: Array<[number, number]>; rows: number }> {
  const labels = JSON.parse(readFileSync(join(nabDir, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, Array<[string, string]>>;
  return Object.keys(labels)
    .sort()
    .map((name) => {
      const { timestamps } = readColumns(join(nabDir, 'data', name));
      const index = new Map(timestamps.map((t, i) => [t, i]));
      const windows = (labels[name] ?? []).map(([start, end]): [number, number] => {
        const a = index.get(start.replace(/\.\d+$/, ''));
        const b = index.get(end.replace(/\.\d+$/, ''));
        if (a === undefined || b === undefined) throw new Error(`${name}: window ${start}..${end} does not match a timestamp in the file`);
        return [a, b];
      });
      return { name, windows, rows: timestamps.length };
    });
}

/** Attaches each result file's anomaly scores (same relative path under `resultsDir`). */
export function loadResults(resultsDir: string, corpus: ReturnType<typeof loadCorpus>): ScoredFile[] {
  return corpus.map(({ name, windows, rows }) => {
    const { scores } = readColumns(join(resultsDir, name));
    if (scores.length !== rows) throw new Error(`${name}: ${scores.length} result rows for ${rows} data rows`);
    return { name, windows, scores };
  });
}
