import { parseTimeMs } from './command.js';

/**
 * A point in time from an API query parameter: epoch milliseconds (what the console sends), or
 * what `--from`/`--to` take (RFC 3339, `now`, `now-2h`). A ConfigError (HTTP 400) otherwise.
 */
export function apiTimeMs(raw: string, name: string, nowMs = Date.now()): number {
  return /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : parseTimeMs(raw, name, nowMs);
}
