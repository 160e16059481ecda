import { logger } from '../common/logger.js';

const log = logger('lifecycle');

/**
 * Waits for SIGINT/SIGTERM, then runs the stop steps in order (each once, each bounded) and
 * resolves with the exit code. A second signal while stopping exits at once.
 */
export function untilSignal(stopSteps: ReadonlyArray<[name: string, stop: () => Promise<void>]>, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without a clean stop');
        process.exit(130);
      }
      stopping = true;
      const startedMs = Date.now();
      log.info({ signal }, 'stopping');
      void (async () => {
        let code = 0;
        for (const [name, stop] of stopSteps) {
          try {
            await Promise.race([stop(), new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref())]);
          } catch (err) {
            code = 1;
            log.error({ step: name, err: (err as Error).message }, 'stop step failed');
          }
        }
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        // The last line of a run: an operator watching a restart sees that everything let go.
        log.info({ durationMs: Date.now() - startedMs, ...(code === 0 ? {} : { failedSteps: true }) }, 'stopped');
        resolve(code);
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Turns EADDRINUSE into a sentence a user can act on. */
export function describeListenError(err: unknown, port: number): Error {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new Error(`port ${port} is already in use (another egresswatch or OTel collector?); pick another with --port or EGRESSWATCH_PORT`);
  }
  return err as Error;
}
