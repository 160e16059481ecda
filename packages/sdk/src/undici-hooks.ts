import type { Span } from '@opentelemetry/api';
import type { UndiciInstrumentationConfig, UndiciRequest, UndiciResponse } from '@opentelemetry/instrumentation-undici';
import { attachCapture, CallCapture, peekCapture, safely } from './call-capture.js';
import { MethodTap } from './method-tap.js';
import { isIgnoredDestination, mayBeIgnored } from './request-filter.js';
import { templatePath } from './shared/route-template.js';
import type { ResolvedCaptureSettings } from './settings.js';
import type { ShapeSampler } from './shape-sampler.js';

/**
 * Hooks for `@opentelemetry/instrumentation-undici` (global `fetch` and undici). undici's core
 * request (the object diagnostics_channel hands over) calls `onBodySent(chunk)` for every request
 * body chunk it writes and `onData(chunk)` for every response body chunk it receives; both are
 * tapped, passing their arguments and return values through (onData's return value is undici's
 * backpressure signal). Nothing reads the fetch Response body.
 */
export function egressUndiciHooks(
  settings: ResolvedCaptureSettings,
  sampler: ShapeSampler,
): Pick<UndiciInstrumentationConfig, 'ignoreRequestHook' | 'requestHook' | 'responseHook'> {
  return {
    ignoreRequestHook: (request: UndiciRequest) => {
      try {
        const { host, port } = originOf(request.origin);
        return mayBeIgnored(settings, port) && isIgnoredDestination(settings, host, port);
      } catch {
        return false;
      }
    },
    requestHook: (span: Span, request: UndiciRequest) => {
      safely(() => {
        if (!span.isRecording()) return;
        // The route key is only needed when sampling 1 in N.
        const shapes = settings.shapesEnabled && (sampler.capturesAll || sampler.shouldCapture(`${request.method} ${request.origin}${templatePath(request.path)}`));
        const capture = new CallCapture(settings, shapes, true);
        capture.requestContentType = request.contentType ?? headerValue(request.headers, 'content-type');
        capture.requestEncoding = headerValue(request.headers, 'content-encoding');
        attachCapture(span, capture);
        bodyChunks.watch(request, capture);
      });
    },
    responseHook: (span: Span, info: { request: UndiciRequest; response: UndiciResponse }) => {
      safely(() => {
        const capture = peekCapture(span);
        if (!capture) return;
        capture.responseContentType = headerValue(info.response.headers, 'content-type');
        capture.responseEncoding = headerValue(info.response.headers, 'content-encoding');
      });
    },
  };
}

const bodyChunks = new MethodTap<UndiciRequest, CallCapture>({
  onBodySent: (capture, _request, chunk) => capture.request.observe(chunk),
  onData: (capture, _request, chunk) => capture.response.observe(chunk),
});

// `new URL()` on every call's origin costs more than the rest of the ignore check; origins are few.
const origins = new Map<string, { host: string; port: string }>();

function originOf(text: string): { host: string; port: string } {
  let origin = origins.get(text);
  if (!origin) {
    const url = new URL(text);
    origin = { host: url.hostname, port: url.port || (url.protocol === 'https:' ? '443' : '80') };
    if (origins.size >= 1024) origins.clear();
    origins.set(text, origin);
  }
  return origin;
}

/** undici v5 sends `name: value\r\n` text, v6 `[name, value, …]` (strings or Buffers). */
function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
    }
    return undefined;
  }
  if (!Array.isArray(headers)) return undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const key: unknown = headers[i];
    // A name of another length cannot match: no string made from a Buffer, no lowercase copy.
    if ((key as { length?: unknown } | null)?.length !== name.length) continue;
    if (String(key).toLowerCase() === name) {
      const value: unknown = headers[i + 1];
      return Array.isArray(value) ? value.map(String).join(', ') : String(value);
    }
  }
  return undefined;
}
