import { PermanentDeliveryError, RetryableDeliveryError } from '../common/errors.js';

/** What a receiver answered; the body is kept short and never logged with secrets. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * POSTs JSON with a timeout. Network failures and timeouts become RetryableDeliveryError; the
 * message names the receiver, never the URL (Slack's URL is the secret).
 */
export async function postJson(receiver: string, url: string, body: string, options: { timeoutMs: number; headers?: Record<string, string> }): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'egresswatch', ...(options.headers ?? {}) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = (await res.text()).slice(0, 4096);
    return { status: res.status, headers: res.headers, body: text };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (e.cause?.code ?? e.name);
    throw new RetryableDeliveryError(`${receiver}: request failed (${why})`, undefined);
  }
}

/** `Retry-After` in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** A receiver's answer that must not be retried, with the HTTP status it came with. */
export class PermanentHttpError extends PermanentDeliveryError {
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

/** A receiver's answer worth retrying (408/425/429/5xx), with its status and Retry-After. */
export class RetryableHttpError extends RetryableDeliveryError {
  constructor(
    message: string,
    readonly httpStatus: number,
    retryAfterMs: number | undefined,
  ) {
    super(message, retryAfterMs);
  }
}

/**
 * Maps a non-success status to the error that decides retry: 408/425/429/5xx are retried
 * (honouring Retry-After), any other 4xx is permanent — sending it again cannot succeed. A 2xx
 * or 3xx that is not this receiver's success answer says so: "HTTP 200" alone reads as success.
 */
export function statusError(receiver: string, status: number, retryAfter: string | null | undefined, detail = ''): Error {
  const suffix = detail ? `: ${detail.slice(0, 200)}` : '';
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return new RetryableHttpError(`${receiver}: HTTP ${status}${suffix}`, status, parseRetryAfterMs(retryAfter));
  }
  if (status >= 200 && status < 400) return new PermanentHttpError(`${receiver}: HTTP ${status} is not this receiver's success answer${suffix}`, status);
  return new PermanentHttpError(`${receiver}: HTTP ${status}${suffix}`, status);
}

/**
 * A 2xx whose body is not the receiver's success answer (Slack's `ok`, PagerDuty's
 * `{"status":"success"}`): permanent, and recorded with the status that really came back.
 */
export function unexpectedAnswer(receiver: string, status: number, what: string): PermanentHttpError {
  return new PermanentHttpError(`${receiver}: HTTP ${status} but ${what}`, status);
}

/**
 * The HTTP status an error carried, for the attempt record (0 = no answer). Read from the
 * error's field, never parsed out of its message: a message can quote a receiver's body.
 */
export function statusOf(err: unknown): number {
  return err instanceof PermanentHttpError || err instanceof RetryableHttpError ? err.httpStatus : 0;
}
