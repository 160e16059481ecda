/** How long `eventually` keeps trying, and how often. */
export interface EventuallyOptions {
  /** Give up after this long and rethrow the last failure. Default 10 s. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
}

/**
 * Polls until `fn` returns without throwing (an `expect` inside it that holds) and answers its
 * value; after `timeoutMs` the last failure is thrown, so the test says what never came true.
 * For state that arrives asynchronously (a queue job, a rollup); not for "nothing more arrived",
 * which is an assertion after the queue is drained (see queue-drain.ts).
 */
export async function eventually<T>(fn: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + intervalMs > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
