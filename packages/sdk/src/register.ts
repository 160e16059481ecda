/**
 * Zero-code start: `node --import egresswatch/sdk/register app.js` (ESM or CommonJS app),
 * configured by the standard OTEL_* environment variables (see optionsFromEnv). Spans are
 * flushed on normal exit and on SIGTERM/SIGINT. A configuration error is logged and the app runs
 * uninstrumented: observability must not stop a service from starting.
 */
import { logger } from '../common/logger.js';
import { optionsFromEnv } from './env-options.js';
import { startEgressWatch } from './start.js';

try {
  startEgressWatch(optionsFromEnv(process.env));
} catch (err) {
  logger('sdk').error({ err: (err as Error).message }, 'egresswatch SDK not started; the app runs without egress instrumentation');
}
