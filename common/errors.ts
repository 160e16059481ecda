/**
 * The closed set of egresswatch errors. Each has a stable `code`; HTTP handlers map codes to
 * status, workers decide retry vs fail by class. Messages say what was wrong and what to do.
 */
export abstract class EgressWatchError extends Error {
  abstract readonly code: string;
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
