import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSeriesCsv, runBacktest } from '../../../cli/commands/backtest.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('backtest', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('writes timestamp,value,anomaly_score at the same relative paths, one row per input row', () => {
    const input = join(dir.path, 'in');
    mkdirSync(join(input, 'realTweets'), { recursive: true });
    const rows = Array.from({ length: 800 }, (_, i) => `2015-02-26 ${String(Math.floor(i / 12) % 24).padStart(2, '0')}:${String((i % 12) * 5).padStart(2, '0')}:00,${i === 700 ? 900 : 100 + (i % 7)}`);
    writeFileSync(join(input, 'realTweets', 'a.csv'), ['timestamp,value', ...rows].join('\n') + '\n');
    writeFileSync(join(input, 'b.csv'), 'timestamp,value\n2015-02-26 00:00:00,1\n');
    const out = join(dir.path, 'out');
    expect(runBacktest({ input, output: out })).toEqual({ files: 2, rows: 801 });
    const lines = readFileSync(join(out, 'realTweets', 'a.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('timestamp,value,anomaly_score');
    expect(lines).toHaveLength(801);
    const scores = lines.slice(1).map((l) => Number(l.split(',')[2]));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(scores.indexOf(Math.max(...scores))).toBe(700);
    expect(lines[701]!.startsWith('2015-02-26 10:20:00,900,')).toBe(true);
    expect(readFileSync(join(out, 'b.csv'), 'utf8')).toBe('timestamp,value,anomaly_score\n2015-02-26 00:00:00,1,0.000000\n');
  });

  it('names the file and line of bad input', () => {
    expect(() => parseSeriesCsv('time,value\n', 'x.csv')).toThrow("x.csv:1: expected the header 'timestamp,value'");
    expect(() => parseSeriesCsv('timestamp,value\n2015-02-26 00:00:00,1\n2015-02-26 00:05:00,abc\n', 'x.csv')).toThrow("x.csv:3: 'abc' is not a number");
    expect(() => parseSeriesCsv('timestamp,value\nyesterday,1\n', 'x.csv')).toThrow('x.csv:2:');
    expect(() => runBacktest({ input: join(dir.path, 'missing'), output: dir.path })).toThrow('does not exist');
  });
});
