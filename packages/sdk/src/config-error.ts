/**
 * Options given to `startEgressWatch` or the OTEL_* / EGRESSWATCH_* environment are invalid. The
 * message says what was wrong and what to do. The SDK has its own class (not the server's
 * ConfigError) so that it imports nothing from the server; the `code` is the same, so logs and
 * callers match both on one string.
 */
export class ConfigError extends Error {
  readonly code = 'EW_ERR_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
