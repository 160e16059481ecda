import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError } from '../../common/errors.js';
import { closest } from '../../common/text.js';
import { BACKTEST_METRICS, scoreSeries, type BacktestMetric } from '../../detectors/backtest-series.js';
import { defineCommand, stringFlag } from '../command.js';
import { countOf } from '../count-text.js';

/** Options of one backtest run. */
export interface BacktestOptions {
  /** A CSV file or a directory searched recursively for *.csv. */
  input: string;
  /** Output directory; each result lands at the input's relative path. */
  output: string;
  /** What the values measure; default `value` (a generic real-valued series). */
  metric?: BacktestMetric;
  /** Called after each file is read and after each is scored. Default none. */
  onProgress?: (progress: BacktestProgress) => void;
}

/** Where a run is: reading (and validating) inputs, then scoring and writing them. */
export interface BacktestProgress {
  phase: 'read' | 'scored';
  done: number;
  total: number;
  rows: number;
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
 * Makes sure results can be written under `output` before any input is read: it is a directory
 * or can be made one, and a file can be created in it. Refused at once, in one line: an existing
 * file, a path under a file, an unwritable or read-only place. Missing directories are made one
 * level at a time: Node's recursive mkdir never returns on a path under /proc (mkdir answers
 * ENOENT there, and it retries the parent forever).
 */
export function prepareOutputDir(output: string): string {
  const dir = resolve(output);
  const missing: string[] = [];
  let existing = dir;
  while (!existsSync(existing)) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const refuse = (why: string): ConfigError => new ConfigError(`--output ${output}: ${why}; give a directory that can be written (results land at the inputs' relative paths)`);
  if (!statSync(existing).isDirectory()) throw refuse(existing === dir ? 'is a file' : `${existing} is a file`);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw refuse(`${existing} is not writable`);
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (err) {
      throw refuse(`cannot create ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  // As root every access check passes; a read-only mount or /sys still refuses the write itself.
  const probe = join(dir, `.egresswatch-backtest-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    throw refuse(`cannot write in it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return dir;
}

/**
 * Runs the production volume scorer causally over every input series and writes
 * `timestamp,value,anomaly_score` at the same relative path under `output`. The output is
 * checked first and every input is validated before anything is written.
 */
export function runBacktest(options: BacktestOptions): BacktestSummary {
  const input = resolve(options.input);
  let stat;
  try {
    stat = statSync(input);
  } catch {
    throw new ConfigError(`--input: ${options.input} does not exist`);
  }
  const output = prepareOutputDir(options.output);
  const files = stat.isDirectory() ? listCsv(input) : [input];
  if (files.length === 0) throw new ConfigError(`--input: no .csv files under ${options.input}`);
  const base = stat.isDirectory() ? input : dirname(input);
  const targets = files.map((file) => join(output, relative(base, file)));
  const overwritten = targets.findIndex((target, i) => target === files[i]);
  if (overwritten >= 0) throw new ConfigError(`--output ${options.output}: results would overwrite the input ${files[overwritten]}; give another directory`);
  let rows = 0;
  const parsed = files.map((file, i) => {
    const series = parseSeriesCsv(readFileSync(file, 'utf8'), relative(process.cwd(), file) || file);
    rows += series.values.length;
    options.onProgress?.({ phase: 'read', done: i + 1, total: files.length, rows });
    return { file, series };
  });
  rows = 0;
  parsed.forEach(({ series }, i) => {
    const scores = scoreSeries(series.times, series.values, options.metric ?? 'value');
    const target = targets[i]!;
    try {
      mkdirSync(dirname(target), { recursive: true });
      const lines = ['timestamp,value,anomaly_score'];
      for (let j = 0; j < scores.length; j++) lines.push(`${series.timestamps[j]},${series.values[j]},${scores[j]!.toFixed(6)}`);
      writeFileSync(target, lines.join('\n') + '\n');
    } catch (err) {
      throw new ConfigError(`--output: cannot write ${target} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    rows += scores.length;
    options.onProgress?.({ phase: 'scored', done: i + 1, total: files.length, rows });
  });
  return { files: files.length, rows };
}

/** A progress line on stderr at most every `everyMs` (the run is synchronous: timers would not fire). */
export function progressPrinter(everyMs = 10_000, write = (line: string): void => void process.stderr.write(line + '\n')): (p: BacktestProgress) => void {
  const started = Date.now();
  let last = started;
  return (p) => {
    const now = Date.now();
    if (now - last < everyMs || p.done === p.total) return;
    last = now;
    const verb = p.phase === 'read' ? 'read and checked' : 'scored';
    write(`backtest: ${verb} ${p.done} of ${countOf(p.total, 'file')} (${countOf(p.rows, 'row')}), ${Math.round((now - started) / 1000)} s`);
  };
}

function parseMetric(raw: string | undefined): BacktestMetric {
  if (raw === undefined) return 'value';
  if ((BACKTEST_METRICS as readonly string[]).includes(raw)) return raw as BacktestMetric;
  const hint = closest(raw, BACKTEST_METRICS);
  throw new ConfigError(`--metric: unknown metric '${raw}'${hint ? ` — did you mean '${hint}'?` : ''} (known: ${BACKTEST_METRICS.join(', ')})`);
}

export const backtestCommand = defineCommand({
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
    if (!input || !output) throw new ConfigError(`backtest: --input and --output are required (usage: egresswatch backtest ${backtestCommand.usage})`);
    const started = Date.now();
    const summary = runBacktest({ input, output, metric: parseMetric(stringFlag(args, 'metric')), onProgress: progressPrinter() });
    process.stdout.write(`scored ${countOf(summary.rows, 'row')} in ${countOf(summary.files, 'file')} → ${output} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return 0;
  },
});
