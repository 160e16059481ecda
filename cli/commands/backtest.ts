import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError } from '../../common/errors.js';
import { closest } from '../../common/text.js';
import { BACKTEST_METRICS, scoreSeries, type BacktestMetric } from '../../detectors/backtest-series.js';
import { stringFlag, type Command } from '../command.js';

/** Options of one backtest run. */
export interface BacktestOptions {
  /** A CSV file or a directory searched recursively for *.csv. */
  input: string;
  /** Output directory; each result lands at the input's relative path. */
  output: string;
  /** What the values measure; default `value` (a generic real-valued series). */
  metric?: BacktestMetric;
}

export interface BacktestSummary {
  files: number;
  rows: number;
}

interface Series {
  timestamps: string[];
  /** Epoch ms of each row (a zone-less timestamp is read as UTC). */
  times: number[];
  values: number[];
}

/**
 * Parses a NAB-format CSV (`timestamp,value`); errors name file:line. Rows are scored in file order
 * (real exports have gaps and the odd step back, e.g. NAB's machine_temperature).
 */
export function parseSeriesCsv(text: string, file: string): Series {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').trim().replace(/^\uFEFF/, '');
  const columns = header.split(',').map((c) => c.trim().toLowerCase());
  if (columns.length < 2 || columns[0] !== 'timestamp' || columns[1] !== 'value') {
    throw new ConfigError(`${file}:1: expected the header 'timestamp,value', got '${header.slice(0, 80)}'`);
  }
  const timestamps: string[] = [];
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const ts = (cells[0] ?? '').trim();
    const raw = (cells[1] ?? '').trim();
    const t = Date.parse(ts.includes('T') || ts.endsWith('Z') ? ts : ts.replace(' ', 'T') + 'Z');
    if (ts === '' || Number.isNaN(t)) throw new ConfigError(`${file}:${i + 1}: '${ts.slice(0, 40)}' is not a timestamp (use YYYY-MM-DD HH:MM:SS)`);
    const value = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value)) throw new ConfigError(`${file}:${i + 1}: '${raw.slice(0, 40)}' is not a number`);
    timestamps.push(ts);
    times.push(t);
    values.push(value);
  }
  return { timestamps, times, values };
}

function listCsv(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.csv')) out.push(path);
    }
  };
  walk(root);
  return out;
}

/**
 * Runs the production volume scorer causally over every input series and writes
 * `timestamp,value,anomaly_score` at the same relative path under `output`. Every input is
 * validated before anything is written.
 */
export function runBacktest(options: BacktestOptions): BacktestSummary {
  const input = resolve(options.input);
  let stat;
  try {
    stat = statSync(input);
  } catch {
    throw new ConfigError(`--input: ${options.input} does not exist`);
  }
  const files = stat.isDirectory() ? listCsv(input) : [input];
  if (files.length === 0) throw new ConfigError(`--input: no .csv files under ${options.input}`);
  const base = stat.isDirectory() ? input : dirname(input);
  const parsed = files.map((file) => ({ file, series: parseSeriesCsv(readFileSync(file, 'utf8'), relative(process.cwd(), file) || file) }));
  let rows = 0;
  for (const { file, series } of parsed) {
    const scores = scoreSeries(series.times, series.values, options.metric ?? 'value');
    const target = join(resolve(options.output), relative(base, file));
    mkdirSync(dirname(target), { recursive: true });
    const lines = ['timestamp,value,anomaly_score'];
    for (let i = 0; i < scores.length; i++) lines.push(`${series.timestamps[i]},${series.values[i]},${scores[i]!.toFixed(6)}`);
    writeFileSync(target, lines.join('\n') + '\n');
    rows += scores.length;
  }
  return { files: files.length, rows };
}

function parseMetric(raw: string | undefined): BacktestMetric {
  if (raw === undefined) return 'value';
  if ((BACKTEST_METRICS as readonly string[]).includes(raw)) return raw as BacktestMetric;
  const hint = closest(raw, BACKTEST_METRICS);
  throw new ConfigError(`--metric: unknown metric '${raw}'${hint ? ` — did you mean '${hint}'?` : ''} (known: ${BACKTEST_METRICS.join(', ')})`);
}

export const backtestCommand: Command = {
  name: 'backtest',
  summary: 'run the production volume detector causally over timestamp,value CSVs (NAB format)',
  usage: '--input CSV|DIR --output DIR [--metric value|calls|request_bytes|response_bytes|errors|latency_p95]',
  options: {
    input: { type: 'string' },
    output: { type: 'string' },
    metric: { type: 'string' },
  },
  async run(args) {
    const input = stringFlag(args, 'input');
    const output = stringFlag(args, 'output');
    if (!input || !output) throw new ConfigError(`egresswatch backtest: --input and --output are required\nusage: egresswatch backtest ${backtestCommand.usage}`);
    const started = Date.now();
    const summary = runBacktest({ input, output, metric: parseMetric(stringFlag(args, 'metric')) });
    console.log(`scored ${summary.rows} rows in ${summary.files} file(s) → ${output} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return 0;
  },
};
