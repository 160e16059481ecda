/** Longest a signal-triggered flush may delay the exit. */
const SIGNAL_FLUSH_TIMEOUT_MS = 5_000;

/**
 * Flushes telemetry when the process ends: on `beforeExit` (the event loop ran dry) and on
 * SIGTERM/SIGINT. For signals the application's own semantics win: if it installed a handler,
 * we flush and let its handler decide; if not, after the flush we re-raise the signal with our
 * listener removed, so the process dies exactly as Node's default would (same exit status).
 * `process.exit()` called by the app cannot be waited on; spans still queued then are lost.
 * Returns a function that removes the listeners.
 */
export function flushOnExit(flush: () => Promise<void>): () => void {
  let inFlight: Promise<void> | undefined;
  let exitFlushes = 0;
  const once = (): Promise<void> =>
    (inFlight ??= flush()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      }));

  // beforeExit fires again after the flush's I/O drains; the cap stops a flush that always
  // schedules more work from keeping the process alive.
  const onBeforeExit = (): void => {
    if (inFlight || exitFlushes >= 3) return;
    exitFlushes++;
    void once();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    const appHandles = process.listenerCount(signal) > 1;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SIGNAL_FLUSH_TIMEOUT_MS).unref());
    void Promise.race([once(), timeout]).then(() => {
      if (appHandles) return;
      remove();
      process.kill(process.pid, signal);
    });
  };
  process.on('beforeExit', onBeforeExit);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const remove = (): void => {
    process.off('beforeExit', onBeforeExit);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  return remove;
}
