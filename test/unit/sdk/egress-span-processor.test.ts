import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { attachCapture, CallCapture } from '../../../packages/sdk/src/call-capture.js';
import { EgressSpanProcessor } from '../../../packages/sdk/src/egress-span-processor.js';
import { resolveCaptureSettings } from '../../../packages/sdk/src/settings.js';

function setup() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new EgressSpanProcessor({}), new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('test') };
}

describe('EgressSpanProcessor', () => {
  it('puts shapes, vendor, sizes and a redacted URL on a CLIENT span before export', () => {
    const { exporter, tracer } = setup();
    const span = tracer.startSpan('POST', {
      kind: SpanKind.CLIENT,
      attributes: { 'url.full': 'https://key:secret@api.stripe.com/v1/customers/cus_NffrFeUfNV2Hib?expand=x', 'server.address': 'api.stripe.com', 'server.port': 443 },
    });
    const capture = new CallCapture(resolveCaptureSettings(), true);
    capture.requestContentType = 'application/x-www-form-urlencoded';
    const form = 'email=jenny%40example.com&card[number]=4242424242424242';
    capture.request.observe(form);
    capture.responseContentType = 'application/json';
    capture.response.observe(Buffer.from('{"id":"cus_1","email":"jenny@example.com"}'));
    attachCapture(span, capture);
    span.end();

    const [exported] = exporter.getFinishedSpans();
    const a = exported?.attributes ?? {};
    expect(a['url.full']).toBe('https://api.stripe.com/v1/customers/{id}?expand=REDACTED');
    expect(a['url.template']).toBe('/v1/customers/{id}');
    expect(a['egress.vendor']).toBe('stripe');
    expect(a['http.request.body.size']).toBe(Buffer.byteLength(form));
    expect(a['egress.request.fields']).toEqual(['email:string', 'card:object', 'card.number:string']);
    expect(a['egress.request.pii']).toEqual(['email:email', 'card.number:card']);
    expect(a['egress.response.pii']).toEqual(['email:email']);
    expect(a['egress.request.shape_hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(exported?.attributes)).not.toMatch(/secret|jenny|4242/);
  });

  it('strips URL queries and credentials quoted in exceptions and the status message', () => {
    const { exporter, tracer } = setup();
    const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
    const error = new Error('request to https://u:pw@api.example.com/v1/x?token=abc123 failed');
    span.recordException(error);
    span.setStatus({ code: 2, message: error.message });
    span.end();
    const [exported] = exporter.getFinishedSpans();
    expect(exported?.status.message).toBe('request to https://api.example.com/v1/x failed');
    expect(JSON.stringify(exported?.events)).not.toMatch(/abc123|pw@/);
  });

  it('redacts old-semconv http.target like url.path and url.query', () => {
    const { exporter, tracer } = setup();
    tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.url': 'https://api.example.com/v1/reset/CANARY123secret?token=CANARY', 'http.target': '/v1/reset/CANARY123secret?token=CANARY#frag' } }).end();
    const a = exporter.getFinishedSpans()[0]?.attributes ?? {};
    expect(a['http.target']).toBe('/v1/reset/{id}?token=REDACTED');
    expect(JSON.stringify(a)).not.toContain('CANARY');
  });

  it('strips credentials and queries from URLs quoted in any form in errors', () => {
    const { exporter, tracer } = setup();
    const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
    const messages = [
      'HTTPS://u:CANARYpw@api.example.com/v1/x?token=CANARY1 failed',
      'ws://u:CANARYpw@stream.example.com/feed?key=CANARY2',
      'https://user:p@ssCANARY@api.example.com/v1/y',
      '{"url":"https:\\/\\/api.example.com\\/v1\\/z?token=CANARY3"}',
      'redirect to https%3A%2F%2Fapi.example.com%2Fcb%3Fcode%3DCANARY4',
      'GET https://api.example.com/users/leak@canary.example/cards/4111111111111111 failed',
    ];
    for (const message of messages) span.recordException(new Error(message));
    span.setStatus({ code: 2, message: messages[0] });
    span.end();
    const [exported] = exporter.getFinishedSpans();
    const text = JSON.stringify([exported?.status, exported?.events]);
    for (const canary of ['CANARY', 'leak@canary', '4111111111111111']) expect(text).not.toContain(canary);
    expect(exported?.status.message).toBe('HTTPS://api.example.com/v1/x failed');
    expect(text).toContain('https://api.example.com/users/{id}/cards/{id} failed');
  });

  it('redacts the URL of incoming requests and other spans too', () => {
    const { exporter, tracer } = setup();
    tracer
      .startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'url.path': '/reset/CANARY123secret', 'url.query': 'token=CANARY', 'http.target': '/reset/CANARY123secret?token=CANARY' } })
      .end();
    const a = exporter.getFinishedSpans()[0]?.attributes ?? {};
    expect(a).toMatchObject({ 'url.path': '/reset/{id}', 'url.query': 'token=REDACTED', 'http.target': '/reset/{id}?token=REDACTED' });
    expect(a['egress.vendor']).toBeUndefined();
    expect(JSON.stringify(a)).not.toContain('CANARY');
  });

  it('leaves spans of other kinds without egress attributes', () => {
    const { exporter, tracer } = setup();
    tracer.startSpan('work', { kind: SpanKind.INTERNAL, attributes: { 'server.address': 'api.stripe.com' } }).end();
    expect(exporter.getFinishedSpans()[0]?.attributes['egress.vendor']).toBeUndefined();
  });
});
