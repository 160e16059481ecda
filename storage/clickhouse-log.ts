import type { ErrorLogParams, Logger, LogParams, WarnLogParams } from '@clickhouse/client';
import { logger } from '../common/logger.js';

const log = logger('clickhouse-client');

/**
 * @clickhouse/client's logger, written to the pino log. Its default writes each failed request to
 * the console as a block of ~17 lines (arguments, then the cause with its stack) before the caller
 * has said what went wrong; a failed request also always rejects, and the caller says it in one
 * line with the fix (cli/error-text.ts). So its errors are debug lines here, one JSON object each,
 * and its own warnings stay warnings.
 */
export class ClickHouseClientLog implements Logger {
  trace(params: LogParams): void {
    log.trace(fields(params), params.message);
  }
  debug(params: LogParams): void {
    log.debug(fields(params), params.message);
  }
  info(params: LogParams): void {
    log.debug(fields(params), params.message);
  }
  warn(params: WarnLogParams): void {
    log.warn({ ...fields(params), ...(params.err ? { err: params.err.message } : {}) }, params.message);
  }
  error(params: ErrorLogParams): void {
    log.debug({ ...fields(params), err: params.err.message }, params.message);
  }
}

function fields(params: LogParams): Record<string, unknown> {
  return { component: params.module, ...(params.args ? { args: params.args } : {}) };
}

/** The client option that sends its log lines here. */
export const CLICKHOUSE_CLIENT_LOG = { log: { LoggerClass: ClickHouseClientLog } } as const;
