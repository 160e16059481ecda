import { SpanKind } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { takeCapture, safely } from './call-capture.js';
import { templatePath } from './shared/route-template.js';
import { egressAttributes, redactedUrlAttributes } from './egress-attributes.js';
import { resolveCaptureSettings, type EgressCaptureOptions, type ResolvedCaptureSettings } from './settings.js';

// A URL inside an error message (`Invalid URL: https://u:p@h/x?token=…`) keeps only its scheme,
// host and templated path: userinfo (up to the last `@`), query and fragment go. Any scheme, any
// case; JSON-escaped slashes (`https:\/\/`) and percent-encoded URLs (`https%3A%2F%2F…`) too.
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]{0,15}:\/\/)(?:[^\s/?#]*@)?([^\s/?#@]*)([^\s?#]*)(?:\?[^\s#]*)?(?:#\S*)?/gi;
const ENCODED_URL = /\b[a-z][a-z0-9+.-]{0,15}%3A%2F%2F[^\s"'<>]*/gi;
const HAS_URL = /:\/\/|:\\\/\\\/|%3A%2F%2F/i;

function redactText(text: string): string {
  if (!HAS_URL.test(text)) return text;
  return text
    .replace(/\\\//g, '/')
    .replace(ENCODED_URL, (encoded) => {
      try {
        return decodeURIComponent(encoded);
      } catch {
        return '{url}';
      }
    })
    .replace(URL_IN_TEXT, (_url, scheme: string, host: string, path: string) => `${scheme}${host}${path ? templatePath(path) : ''}`);
}

/**
 * Exception events and the status message carry error messages, which can quote the URL a call
 * was made to; they must not carry its query string or credentials.
 */
function redactMessages(span: Span): void {
  const status = span.status as { message?: string };
  if (status.message) status.message = redactText(status.message);
  for (const event of span.events) {
    const attributes = event.attributes as Record<string, unknown> | undefined;
    if (!attributes) continue;
    for (const key of ['exception.message', 'exception.stacktrace']) {
      const value = attributes[key];
      if (typeof value === 'string') attributes[key] = redactText(value);
    }
  }
}

/**
 * Adds the `egress.*` attributes to CLIENT spans in `onEnding`, the last moment a span is still
 * writable, so shapes are on the span before any exporter sees it. Also redacts `url.full`,
 * `url.query`, `url.path`, `http.url` and `http.target` (on spans of every kind), fills in
 * `url.template`, and strips URL queries and credentials quoted in exception events and the
 * status message. Put it before the exporting processor in `spanProcessors` (order does not
 * matter for correctness: every `onEnding` runs before any `onEnd`). Holds no spans and exports
 * nothing; flush and shutdown are no-ops.
 */
export class EgressSpanProcessor implements SpanProcessor {
  private readonly settings: ResolvedCaptureSettings;

  constructor(options: EgressCaptureOptions | ResolvedCaptureSettings = {}) {
    this.settings = 'limits' in options ? options : resolveCaptureSettings(options);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    safely(() => {
      const capture = takeCapture(span);
      if (span.kind === SpanKind.CLIENT) span.setAttributes(egressAttributes(span.attributes, capture, capture?.settings ?? this.settings));
      // Incoming requests (traceIncoming) and other spans carry URLs too.
      else span.setAttributes(redactedUrlAttributes(span.attributes));
      redactMessages(span);
    });
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
