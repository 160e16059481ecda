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

/**
 * Maps a non-success status to the error that decides retry: 408/425/429/5xx are retried
 * (honouring Retry-After), any other 4xx is permanent — sending it again cannot succeed.
 */
export function statusError(receiver: string, status: number, retryAfter: string | null | undefined, detail = ''): Error {
  const suffix = detail ? `: ${detail.slice(0, 200)}` : '';
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return new RetryableDeliveryError(`${receiver}: HTTP ${status}${suffix}`, parseRetryAfterMs(retryAfter));
  }
  return new PermanentDeliveryError(`${receiver}: HTTP ${status}${suffix}`);
}

/** The HTTP status an error carried, for the attempt record (0 = none). */
export function statusOf(err: unknown): number {
  const m = /HTTP (\d{3})/.exec((err as Error)?.message ?? '');
  return m ? Number(m[1]) : 0;
}
