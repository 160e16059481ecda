import { EgressWatchError, StoreError } from '../common/errors.js';

/** How the CLI reports an error that ended a command. */
export interface ErrorReport {
  /** What goes to stderr: one line per problem, each with what to do; a stack only when asked. */
  text: string;
  /** 2 for a usage or configuration problem, 1 for anything else. */
  exitCode: number;
}

/** Error codes of a ClickHouse server that cannot be reached at all (socket level). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);
/** ClickHouse's AUTHENTICATION_FAILED and REQUIRED_PASSWORD codes. */
const AUTH_FAILED = new Set(['516', '194']);

/**
 * Turns what a command threw into the lines a user reads. Our own errors carry a sentence that
 * says what to do; system errors (EACCES, ENOSPC, …) are worded by Node and name the path; an
 * error of neither kind is a bug and says so. `debug` (EGRESSWATCH_LOG_LEVEL=debug) adds the
 * stack and the causes: the client dumps that used to precede the one clear line.
 */
export function describeError(err: unknown, debug: boolean): ErrorReport {
  const exitCode = err instanceof EgressWatchError && err.code === 'EW_ERR_CONFIG' ? 2 : 1;
  const lines = messageOf(err).split('\n').filter((l) => l.trim() !== '');
  const text = lines.map((l) => `egresswatch: ${l}`).join('\n');
  return { text: debug ? `${text}\n${stackOf(err)}` : text, exitCode };
}

function messageOf(err: unknown): string {
  if (err instanceof StoreError) return `${err.message}${storeHint(err)}`;
  if (err instanceof EgressWatchError) return err.message;
  if (err instanceof Error) {
    // Node's system errors (`EACCES: permission denied, open '/x'`) name the call and the path.
    if (typeof (err as NodeJS.ErrnoException).code === 'string') return err.message;
    // Errors thrown as sentences by our own code (plain Error) have no code either; a
    // TypeError, RangeError or ReferenceError is a bug.
    if (err.constructor === Error) return err.message;
    return `internal error: ${err.message} — please report it; EGRESSWATCH_LOG_LEVEL=debug prints the stack`;
  }
  return `internal error: ${String(err)} — please report it`;
}

function storeHint(err: StoreError): string {
  const code = err.clickhouseCode;
  if (code !== undefined && UNREACHABLE.has(code)) {
    return ' — is the ClickHouse server running and reachable there? Check EGRESSWATCH_CLICKHOUSE_URL (unset, egresswatch uses its embedded store)';
  }
  if (code !== undefined && AUTH_FAILED.has(code)) return ' — check EGRESSWATCH_CLICKHOUSE_USER and EGRESSWATCH_CLICKHOUSE_PASSWORD';
  return '';
}

function stackOf(err: unknown): string {
  const out: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    out.push(depth === 0 ? '' : 'caused by:');
    out.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return out.filter(Boolean).join('\n');
}
