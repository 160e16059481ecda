import { pino, type Logger } from 'pino';

/**
 * The process-wide pino logger. JSON to stderr so that stdout stays for command output.
 * Every module takes a child with its `module` field. Never log a value that came from a
 * request body, a header or a secret.
 */
const root: Logger = pino(
  {
    level: process.env['EGRESSWATCH_LOG_LEVEL'] ?? (process.env['NODE_ENV'] === 'test' ? 'warn' : 'info'),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.authorization', '*.token', '*.password', '*.routingKey', '*.url'], censor: '[redacted]' },
  },
  pino.destination({ dest: 2, sync: false }),
);

export function logger(module: string): Logger {
  return root.child({ module });
}

export type { Logger };
