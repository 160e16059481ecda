import { BodyCapture } from './body-capture.js';
import type { ResolvedCaptureSettings } from './settings.js';

/**
 * What the instrumentation hooks saw of one outbound call, handed to the span processor, which
 * turns it into `egress.*` attributes just before the span ends. Keyed by the span object so it
 * is garbage-collected with it.
 */
export class CallCapture {
  readonly request: BodyCapture;
  readonly response: BodyCapture;
  requestContentType: string | undefined;
  requestEncoding: string | undefined;
  responseContentType: string | undefined;
  responseEncoding: string | undefined;

  constructor(
    readonly settings: ResolvedCaptureSettings,
    /** False when shape sampling skipped this call: sizes are still counted. */
    readonly shapes: boolean,
    /** Request chunks belong to the HTTP client (undici), not to the app: no copy needed. */
    requestChunksOwned = false,
  ) {
    this.request = new BodyCapture(settings.maxBodyBytes, shapes, requestChunksOwned);
    this.response = new BodyCapture(settings.maxBodyBytes, shapes, true);
  }
}

const captures = new WeakMap<object, CallCapture>();

export function attachCapture(span: object, capture: CallCapture): void {
  captures.set(span, capture);
}

export function takeCapture(span: object): CallCapture | undefined {
  const capture = captures.get(span);
  if (capture) captures.delete(span);
  return capture;
}

/** Runs `fn`, swallowing anything it throws: SDK trouble must never reach the application's call. */
export function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Deliberately silent: logging here could leak request values and would run per chunk.
  }
}

/** The capture of a span still in flight (hooks that run between start and end). */
export function peekCapture(span: object): CallCapture | undefined {
  return captures.get(span);
}
