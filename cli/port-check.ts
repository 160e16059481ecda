import { createServer } from 'node:net';
import { ConfigError } from '../common/errors.js';

/**
 * Fails at once, with the fix, when `host:port` cannot be listened on: before `start` opens the
 * store, runs migrations and spawns redis-server, so a port in use costs no start-up and prints
 * no start-up logs. Another process can still take the port between this check and the real
 * listen; that rarer case is reported by the listener's own error.
 */
export async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const problem = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
  if (problem) throw listenProblem(problem, host, port);
}

/** One sentence with the fix for a listen error; other errors are returned as they are. */
export function listenProblem(err: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new ConfigError(`port ${port} on ${host} is already in use (another egresswatch or OTel collector?); pick another with --port or EGRESSWATCH_PORT (--port 0 picks a free one)`);
    case 'EACCES':
      return new ConfigError(`not allowed to listen on ${host}:${port} (ports below 1024 need privileges); pick another with --port or EGRESSWATCH_PORT`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ConfigError(`cannot listen on ${host}: not an address of this machine; use --host 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`);
    default:
      return err;
  }
}
