import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../common/errors.js';
import { closest } from '../common/text.js';

/** One `egresswatch <name>` command. */
export interface Command {
  name: string;
  /** One line for `--help`. */
  summary: string;
  /** Usage line(s) after the command name, e.g. `--from T --to T [--json]`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Whether positional arguments are accepted (e.g. `silence add`). */
  allowPositionals?: boolean;
  /** Returns the process exit code. */
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parses argv for one command; an unknown or malformed flag becomes a one-line ConfigError that names it and says what fits. */
export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: command.options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    throw new ConfigError(`${command.name}: ${describeParseError(command, err as NodeJS.ErrnoException)}`);
  }
}

/** node:util parseArgs' errors, reworded: which flag, and the ones there are. */
function describeParseError(command: Command, err: NodeJS.ErrnoException): string {
  const flags = Object.keys(command.options)
    .sort()
    .map((name) => `--${name}`);
  const known = `options: ${flags.join(', ')}, --help`;
  // Node quotes the flag or argument it refuses first: `Unknown option '--vendr'`.
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const flag = quoted.split('=')[0]!;
      const hint = closest(flag.replace(/^-+/, ''), Object.keys(command.options));
      return `unknown option '${flag}'${hint ? ` — did you mean '--${hint}'?` : ''} (${known})`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.split(' ')[0]!;
      if (/does not take an argument/.test(err.message)) return `${flag} takes no value (usage: egresswatch ${command.name} ${firstLine(command.usage)})`;
      return `${flag} needs a value (usage: egresswatch ${command.name} ${firstLine(command.usage)})`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}': ${command.name} takes flags only (${known})`;
    default:
      return `${err.message} (usage: egresswatch ${command.name} ${firstLine(command.usage)})`;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** Reads a string flag. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag. */
export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Reads an integer flag within [min, max]; throws a ConfigError that names the flag. */
export function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`--${name}: expected a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** Parses durations like `90s`, `15m`, `2h`, `7d`, `1w` into milliseconds. */
export function parseDurationMs(raw: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(raw.trim());
  if (!m) throw new ConfigError(`${flag}: '${raw}' is not a duration; use e.g. 90s, 15m, 2h, 7d`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/**
 * Parses a point in time: RFC 3339 / ISO 8601, `now`, or `now-2h` style relative times.
 */
export function parseTimeMs(raw: string, flag: string, nowMs = Date.now()): number {
  const trimmed = raw.trim();
  if (trimmed === 'now') return nowMs;
  const rel = /^now-(.+)$/.exec(trimmed);
  if (rel) return nowMs - parseDurationMs(rel[1]!, flag);
  const t = Date.parse(trimmed);
  if (Number.isNaN(t)) throw new ConfigError(`${flag}: '${raw}' is not a time; use RFC 3339 (2026-11-23T10:00:00Z) or now-2h`);
  return t;
}
