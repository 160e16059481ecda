import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../common/errors.js';
import { closest } from '../common/text.js';

/** The flags of a command, as node:util parseArgs declares them. */
export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs gives for one declared flag. */
type FlagValue<F> = F extends { type: 'boolean' } ? (F extends { multiple: true } ? boolean[] : boolean) : F extends { multiple: true } ? string[] : string;

/** The flag values of a command whose options the type checker does not know (the command list, tests). */
type AnyFlags = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** The parsed flags of a command: exactly the declared names, each with the type its declaration gives. */
export type FlagValues<O extends FlagOptions> = string extends keyof O ? AnyFlags : { -readonly [K in keyof O]?: FlagValue<O[K]> };

/** The flags of `V` holding a `T`, e.g. the single string flags (any name when `V` is not known). */
type FlagsHolding<V, T> = string extends keyof V ? string : { [K in keyof V]-?: V[K] extends T | undefined ? K : never }[keyof V] & string;

/**
 * One `egresswatch <name>` command. Without a type argument, any command (the command list, a
 * test's runner): `any` is what lets every `Command<O>` be one, since `run` reads `O`'s values.
 */
export interface Command<O extends FlagOptions = any> {
  name: string;
  /** One line for `--help`. */
  summary: string;
  /** Usage line(s) after the command name, e.g. `--from T --to T [--json]`. */
  usage: string;
  options: O;
  /** Whether positional arguments are accepted (e.g. `silence add`). */
  allowPositionals?: boolean;
  /** Returns the process exit code. */
  run(args: ParsedArgs<FlagValues<O>>): Promise<number>;
}

/** Parsed argv: `V` is the command's `FlagValues`. */
export interface ParsedArgs<V = AnyFlags> {
  values: V;
  positionals: string[];
}

/**
 * Declares a command with its flags once: `run` gets values typed from `options`, so reading a
 * flag the command does not declare, or as another type than declared, does not compile.
 */
export function defineCommand<const O extends FlagOptions>(command: Command<O>): Command<O> {
  return command;
}

/** Parses argv for one command; an unknown or malformed flag becomes a one-line ConfigError that names it and says what fits. */
export function parseCommandArgs<O extends FlagOptions>(command: Command<O>, argv: string[]): ParsedArgs<FlagValues<O>> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: command.options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return { values: values as FlagValues<O>, positionals };
  } catch (err) {
    throw new ConfigError(`${command.name}: ${describeParseError(command, err as NodeJS.ErrnoException)}`);
  }
}

/** node:util parseArgs' errors, reworded: which flag, and the ones there are. */
function describeParseError(command: Pick<Command, 'name' | 'usage' | 'options'>, err: NodeJS.ErrnoException): string {
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
export function stringFlag<V>(args: ParsedArgs<V>, name: FlagsHolding<V, string>): string | undefined {
  const v = (args.values as AnyFlags)[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag. */
export function boolFlag<V>(args: ParsedArgs<V>, name: FlagsHolding<V, boolean>): boolean {
  return (args.values as AnyFlags)[name] === true;
}

/** Reads an integer flag within [min, max]; throws a ConfigError that names the flag. */
export function intFlag<V>(args: ParsedArgs<V>, name: FlagsHolding<V, string>, min: number, max: number): number | undefined {
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
