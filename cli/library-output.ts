import { logger } from '../common/logger.js';

/** `[2026-…][ERROR][@clickhouse/client][Connection] Command: HTTP request error.` */
const CLICKHOUSE_LINE = /^\[[^\]]*\]\[(TRACE|DEBUG|INFO|WARN|ERROR)\]\[@clickhouse\/client\]\[([^\]]*)\]\s*(.*)$/s;

/**
 * @clickhouse/client's default logger writes each failed request to the console as a block of
 * ~17 lines (its arguments, then the cause with its stack), before the caller has had a chance
 * to say what went wrong; and a failed request always also rejects, so the caller does say it,
 * in one line with the fix (cli/error-text.ts). The CLI owns this process's terminal: those
 * blocks go to the pino log instead, one JSON line each, at debug (errors and traces) or warn
 * (the client's own warnings). Anything else written to the console passes through untouched.
 */
export function routeClickHouseClientLogs(): void {
  const log = logger('clickhouse-client');
  for (const method of ['debug', 'info', 'warn', 'error'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]): void => {
      const first = args[0];
      const m = typeof first === 'string' ? CLICKHOUSE_LINE.exec(first) : null;
      if (!m) return original(...args);
      const cause = args.find((a): a is Error => a instanceof Error);
      const fields = { component: m[2], ...(cause ? { err: cause.message } : {}) };
      if (m[1] === 'WARN') log.warn(fields, m[3]!.trim());
      else log.debug(fields, m[3]!.trim());
    };
  }
}
