/**
 * Every `code` an egresswatch error carries: a closed set, so a comparison with a code that does
 * not exist (`err.code === 'EW_ERR_CONFG'`) and a status table that misses one do not compile.
 */
export const ERROR_CODES = [
  'EW_ERR_CONFIG',
  'EW_ERR_DECODE',
  'EW_ERR_PAYLOAD_TOO_LARGE',
  'EW_ERR_MEDIA_TYPE',
  'EW_ERR_SATURATED',
  'EW_ERR_STORE',
  'EW_ERR_UNAVAILABLE',
  'EW_ERR_DELIVERY_PERMANENT',
  'EW_ERR_DELIVERY_RETRYABLE',
  'EW_ERR_API',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The closed set of egresswatch errors. Each has a stable `code`; HTTP handlers map codes to
 * status, workers decide retry vs fail by class. Messages say what was wrong and what to do.
 */
export abstract class EgressWatchError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration or CLI input is invalid. The message lists every problem, one per line. */
export class ConfigError extends EgressWatchError {
  readonly code = 'EW_ERR_CONFIG';
}

/** A request body could not be decoded (OTLP protobuf/JSON, gzip). Maps to 400. */
export class DecodeError extends EgressWatchError {
  readonly code = 'EW_ERR_DECODE';
}

/** A request body is over the configured size limit, compressed or not. Maps to 413. */
export class PayloadTooLargeError extends EgressWatchError {
  readonly code = 'EW_ERR_PAYLOAD_TOO_LARGE';
}

/** The content type is not one the endpoint speaks. Maps to 415. */
export class UnsupportedMediaTypeError extends EgressWatchError {
  readonly code = 'EW_ERR_MEDIA_TYPE';
}

/** The write path is full; the client should retry after `retryAfterSeconds`. Maps to 429. */
export class SaturatedError extends EgressWatchError {
  readonly code = 'EW_ERR_SATURATED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** ClickHouse (server or chDB) refused or failed a statement. Wraps the engine's code. */
export class StoreError extends EgressWatchError {
  readonly code = 'EW_ERR_STORE';
  constructor(
    message: string,
    readonly clickhouseCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The store is shutting down or not yet open. Maps to 503. */
export class UnavailableError extends EgressWatchError {
  readonly code = 'EW_ERR_UNAVAILABLE';
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
  }
}

/** A notification receiver answered with something that must not be retried (e.g. 400). */
export class PermanentDeliveryError extends EgressWatchError {
  readonly code = 'EW_ERR_DELIVERY_PERMANENT';
}

/** A receiver answered 429/5xx or was unreachable; retry, honouring `retryAfterMs` if set. */
export class RetryableDeliveryError extends EgressWatchError {
  readonly code = 'EW_ERR_DELIVERY_RETRYABLE';
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The running instance's JSON API did not answer, refused a call, or answered what this version does not read. */
export class ApiError extends EgressWatchError {
  readonly code = 'EW_ERR_API';
}

/** Whether `err` is an egresswatch error with this code (a code the union does not hold does not compile). */
export function hasErrorCode<C extends ErrorCode>(err: unknown, code: C): err is EgressWatchError & { code: C } {
  return err instanceof EgressWatchError && err.code === code;
}
