/**
 * Zero-code start: `node --import @egresswatch/sdk/register app.js` (ESM or CommonJS app),
 * configured by the standard OTEL_* environment variables (see optionsFromEnv). Spans are
 * flushed on normal exit and on SIGTERM/SIGINT. A configuration error is reported and the app
 * runs uninstrumented: observability must not stop a service from starting.
 *
 * Reported as a process warning, not through a logger: the SDK runs inside someone else's
 * service and brings no logging library of its own; the warning reaches stderr by default and
 * `process.on('warning')` where a service collects them.
 */
import { optionsFromEnv } from './env-options.js';
import { startEgressWatch } from './start.js';

try {
  startEgressWatch(optionsFromEnv(process.env));
} catch (err) {
  process.emitWarning(`egresswatch SDK not started; the app runs without egress instrumentation: ${(err as Error).message}`, {
    type: 'EgressWatchWarning',
    code: (err as { code?: string }).code ?? 'EW_ERR_CONFIG',
  });
}
