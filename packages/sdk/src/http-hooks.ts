import type { Span } from '@opentelemetry/api';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { attachCapture, CallCapture, peekCapture, safely } from './call-capture.js';
import { MethodTap } from './method-tap.js';
import { isIgnoredDestination, mayBeIgnored } from './request-filter.js';
import { templatePath } from './shared/route-template.js';
import type { ResolvedCaptureSettings } from './settings.js';
import type { ShapeSampler } from './shape-sampler.js';

/**
 * Hooks for `@opentelemetry/instrumentation-http` that observe outgoing bodies without touching
 * the application's streams: `write`/`end` of the ClientRequest are tapped (the bytes go through
 * unchanged, return values and callbacks untouched), and so is the response's `push`, so chunks
 * are seen as the parser hands them to the stream. No 'data' listener, no `resume()`, no read: a
 * body the app never reads stays unread, and backpressure works as before. Every hook body is
 * wrapped so an SDK fault cannot reach the call.
 */
export function egressHttpHooks(
  settings: ResolvedCaptureSettings,
  sampler: ShapeSampler,
): Pick<HttpInstrumentationConfig, 'ignoreOutgoingRequestHook' | 'requestHook' | 'responseHook'> {
  return {
    ignoreOutgoingRequestHook: (options: RequestOptions) => {
      try {
        // As node:http reads them: an empty or zero port is the default one.
        const port = String(options.port || (options.protocol === 'https:' ? 443 : 80));
        if (!mayBeIgnored(settings, port)) return false;
        return isIgnoredDestination(settings, options.hostname || hostWithoutPort(options.host), port);
      } catch {
        return false;
      }
    },
    requestHook: (span: Span, request: ClientRequest | IncomingMessage) => {
      safely(() => {
        if (!span.isRecording() || !isClientRequest(request)) return;
        // The route key is only needed when sampling 1 in N.
        const shapes = settings.shapesEnabled && (sampler.capturesAll || sampler.shouldCapture(`${request.method} ${request.host}${templatePath(request.path)}`));
        const capture = new CallCapture(settings, shapes);
        attachCapture(span, capture);
        requestBodies.watch(request, capture);
      });
    },
    responseHook: (span: Span, response: IncomingMessage | object) => {
      safely(() => {
        const capture = peekCapture(span);
        if (!capture || !('headers' in response) || typeof (response as IncomingMessage).push !== 'function') return;
        const res = response as IncomingMessage;
        responsePushes.watch(res, capture);
        // From rawHeaders: `res.headers` is built on first read, and the app may never read it.
        const raw: unknown = res.rawHeaders;
        if (!Array.isArray(raw)) {
          capture.responseContentType = headerText(res.headers['content-type']);
          capture.responseEncoding = headerText(res.headers['content-encoding']);
          return;
        }
        capture.responseContentType = rawHeader(raw as string[], 'content-type', (res as { joinDuplicateHeaders?: boolean }).joinDuplicateHeaders === true);
        capture.responseEncoding = rawHeader(raw as string[], 'content-encoding', true);
      });
    },
  };
}

function isClientRequest(request: ClientRequest | IncomingMessage): request is ClientRequest {
  return typeof (request as ClientRequest).getHeader === 'function' && typeof (request as ClientRequest).write === 'function';
}

// `write(chunk, encoding?, callback?)`, `end(chunk?, encoding?, callback?)` and `end(callback)`.
const requestBodies = new MethodTap<ClientRequest, CallCapture>({
  write: observeRequest,
  end: (capture, request, chunk, encoding) => {
    if (typeof chunk !== 'function') observeRequest(capture, request, chunk, encoding);
    else noteRequestHeaders(capture, request);
  },
});
const responsePushes = new MethodTap<IncomingMessage, CallCapture>({ push: (capture, _response, chunk, encoding) => capture.response.observe(chunk, encoding) });

function observeRequest(capture: CallCapture, request: ClientRequest, chunk: unknown, encoding: unknown): void {
  noteRequestHeaders(capture, request);
  capture.request.observe(chunk, encoding);
}

/** Headers are final once the body starts, so they are read at the first write. */
function noteRequestHeaders(capture: CallCapture, request: ClientRequest): void {
  if (capture.requestContentType !== undefined) return;
  capture.requestContentType = headerText(request.getHeader('content-type')) ?? '';
  capture.requestEncoding = headerText(request.getHeader('content-encoding'));
}

/**
 * A header's value from `rawHeaders` (`[name, value, …]`), as `headers` would give it: the first
 * value, or with `joined` all of them joined by `, ` (content-encoding always, content-type
 * under the request's `joinDuplicateHeaders`).
 */
function rawHeader(raw: string[], name: string, joined: boolean): string | undefined {
  let value: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i] as string;
    // Most names differ in length: no lowercase copy for them.
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const next = raw[i + 1] as string;
    if (value === undefined) value = next;
    else if (joined) value = `${value}, ${next}`;
    else break;
  }
  return value;
}

/** `host` of request options without its port: `api.example.com:8443` → `api.example.com`, `[::1]:4318` → `[::1]`, `::1` kept. */
export function hostWithoutPort(host: string | null | undefined): string {
  if (!host) return 'localhost';
  if (host.startsWith('[')) return host.replace(/\]:\d+$/, ']');
  // More than one colon and no brackets: a bare IPv6 address, which has no port.
  return host.indexOf(':') === host.lastIndexOf(':') ? host.replace(/:\d+$/, '') : host;
}

function headerText(value: string | number | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
