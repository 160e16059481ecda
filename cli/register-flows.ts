import { writeFileSync } from 'node:fs';
import type { Config } from '../common/config/index.js';
import { visibleText } from '../common/display-text.js';
import { ConfigError } from '../common/errors.js';
import type { RouteFlow } from '../common/register/route-flow.js';
import { readRouteFlows } from '../storage/register-queries.js';
import { parseDurationMs, parseTimeMs, stringFlag, type ParsedArgs } from './command.js';
import { countOf } from './count-text.js';
import { API } from './api-contract.js';
import { withStoreOrApi } from './store-access.js';

/** The window flags of `map` and `register export`. */
export const windowOptions = { since: { type: 'string' as const }, from: { type: 'string' as const }, to: { type: 'string' as const } };

/** [fromMs, toMs) from `--since` (default `defaultSince`) or `--from`/`--to`. */
export function windowFromArgs(args: ParsedArgs, defaultSince: string, now = Date.now()): { fromMs: number; toMs: number } {
  const since = stringFlag(args, 'since');
  const from = stringFlag(args, 'from');
  const to = stringFlag(args, 'to');
  if (since !== undefined && from !== undefined) throw new ConfigError('--since and --from both name a start: give one of them');
  const toMs = to !== undefined ? parseTimeMs(to, '--to', now) : now;
  const fromMs = from !== undefined ? parseTimeMs(from, '--from', now) : toMs - parseDurationMs(since ?? defaultSince, '--since');
  if (!(fromMs < toMs)) throw new ConfigError(`--from must be before --to (from ${new Date(fromMs).toISOString()}, to ${new Date(toMs).toISOString()})`);
  return { fromMs, toMs };
}

/**
 * The route flows of a window, from the store or, while `start` owns it, from its API; the
 * caller judges them by its own config (as `policy check` does).
 */
export async function fetchRouteFlows(config: Config, window: { fromMs: number; toMs: number }, vendors?: readonly string[]): Promise<RouteFlow[]> {
  return withStoreOrApi<RouteFlow[]>(config, {
    local: (store) => readRouteFlows(store, { sinceMs: window.fromMs, untilMs: window.toMs, vendors }),
    api: async (call) => (await call(API.registerFlows, { query: { from: String(window.fromMs), to: String(window.toMs), vendor: vendors ? [...vendors] : undefined } })).flows,
  });
}

/**
 * Writes `text` to `--out` (one-line error when it cannot) or stdout. A file written says so on
 * stderr in one line, with its size and what it holds (`contents`, e.g. `3 services, 4 vendors`):
 * silence after `--out` left users checking whether anything happened.
 */
export function writeOutput(text: string, out: string | undefined, contents: string): void {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(out, text);
  } catch (err) {
    throw new ConfigError(`--out: cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  process.stderr.write(`wrote ${visibleText(out)} (${countOf(Buffer.byteLength(text), 'byte')}, ${contents})\n`);
}
