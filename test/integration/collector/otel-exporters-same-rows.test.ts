import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { openStore } from '../../../storage/store.js';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

type Compression = NonNullable<NonNullable<ConstructorParameters<typeof JsonExporter>[0]>['compression']>;
type StoredRow = Record<string, unknown> & { span_id: string };

/**
 * Finished spans from a real OTel SDK, made once: both exporters then send these very spans
 * (same ids, same nanosecond times), so whatever differs in the store is the collector's doing.
 */
function finishedSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout-ünïcode', 'deployment.environment.name': 'prod', 'host.name': 'checkout-7d9f', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('egresswatch-test', '1.2.3');
  const client = (attributes: Attributes, status?: SpanStatusCode): void => {
    const span = tracer.startSpan('POST', { kind: SpanKind.CLIENT, attributes });
    span.addEvent('retry', { attempt: 2 });
    if (status !== undefined) span.setStatus({ code: status, message: 'upstream failed' });
    span.end();
  };
  // Edge values: every attribute type the JSON and protobuf mappings write differently.
  client({
    'http.request.method': 'POST',
    'url.full': 'https://api.stripe.com/v1/payment_intents',
    'server.address': 'api.stripe.com',
    'server.port': 443,
    'url.template': '/v1/payment_intents',
    'http.response.status_code': 200,
    'http.request.body.size': 2 ** 40,
    'http.response.body.size': 0,
    'egress.request.fields': ['amount:number', 'receipt_email:string', 'metadata.note:string'],
    'egress.request.pii': ['receipt_email:email'],
    'egress.response.fields': ['id:string', 'status:string'],
    'app.retry': true,
    'app.cached': false,
    'app.ratio': 0.25,
    'app.tiny': -1.5e-7,
    'app.big': 2 ** 60,
    'app.negative': -42,
    'app.counts': [1, 2, 3],
    'app.flags': [true, false],
    'app.region': 'eu-west-1 — München',
  });
  // Old semconv, no url.template, an error status without an HTTP status: error_type _OTHER.
  client({ 'http.method': 'GET', 'http.url': 'https://api.twilio.com/2010-04-01/Accounts/AC123456789/Messages.json?PageSize=5', 'net.peer.name': 'api.twilio.com' }, SpanStatusCode.ERROR);
  client({ 'http.request.method': 'PATCH', 'url.full': 'https://hooks.example-crm.co.uk/api/v2/contacts/123456', 'error.type': 'timeout', 'app.empty': '' });
  // Not stored: a server span (skipped) and a client call with no destination (rejected).
  tracer.startSpan('GET /health', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } }).end();
  client({ 'http.request.method': 'GET' });
  // A request of 2,000 spans: over 1 MiB in both encodings, so decoded on the decode worker.
  for (let i = 0; i < 2_000; i++) {
    client(
      {
        'http.request.method': 'POST',
        'url.full': `https://api.openai.com/v1/chat/completions`,
        'server.address': 'api.openai.com',
        'server.port': 443,
        'http.response.status_code': i % 97 === 0 ? 429 : 200,
        'http.request.body.size': 300 + i,
        'egress.request.fields': ['model:string', 'messages[].role:string', 'messages[].content:string', i % 2 === 0 ? 'temperature:number' : 'user:string'],
        'app.attempt': i,
      },
      i % 97 === 0 ? SpanStatusCode.ERROR : undefined,
    );
  }
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(spans, (result) => (result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('export failed')))),
  );
}

describe('the same spans through the real OTLP/JSON and OTLP protobuf exporters', () => {
  const dir = tempDir();
  let ew: RunningInstance | undefined;
  const spans = finishedSpans();
  // The first five spans are the edge cases, one request each way; the rest one large request.
  const small = spans.slice(0, 5);
  const large = spans.slice(5);
  let rows: StoredRow[] = [];

  beforeAll(async () => {
    ew = await startInstance(dir.path);
    const url = `${ew.url}/v1/traces`;
    for (const exporter of [new JsonExporter({ url }), new ProtoExporter({ url }), new JsonExporter({ url, compression: 'gzip' as Compression }), new ProtoExporter({ url, compression: 'gzip' as Compression })]) {
      await exportWith(exporter, small);
      await exportWith(exporter, large);
      await exporter.shutdown();
    }
    // The embedded store belongs to `start`: read it once that has stopped.
    await ew.stop();
    const store = await openStore({ dataDir: dir.path });
    try {
      const result = await store.client.query({ query: 'SELECT * FROM egress_spans ORDER BY span_id', format: 'JSONEachRow' });
      rows = await result.json<StoredRow>();
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('stores every egress span once per exporter, with identical rows column by column', () => {
    const stored = spans.filter((s) => s.kind === SpanKind.CLIENT && Object.keys(s.attributes).some((k) => /server\.address|net\.peer\.name|url\.full|http\.url/.test(k)));
    expect(new Set(rows.map((r) => r.span_id))).toEqual(new Set(stored.map((s) => s.spanContext().spanId)));
    // Four exports of each span (JSON, protobuf, each plain and gzip); rows are sorted by span id.
    expect(rows).toHaveLength(4 * stored.length);
    for (let i = 0; i < rows.length; i += 4) {
      const copies = rows.slice(i, i + 4);
      for (const copy of copies) expect(copy).toEqual(copies[0]);
    }
  });

  it('keeps the edge values as a user would read them back', () => {
    const edge = rows.find((r) => r.span_id === small[0]!.spanContext().spanId)!;
    expect(edge).toMatchObject({
      service: 'checkout-ünïcode',
      environment: 'prod',
      vendor: 'stripe',
      route: '/v1/payment_intents',
      request_bytes: 2 ** 40,
      request_fields: ['amount:number', 'receipt_email:string', 'metadata.note:string'],
      request_pii: ['receipt_email:email'],
    });
    expect(edge['attributes']).toMatchObject({
      'app.retry': 'true',
      'app.cached': 'false',
      'app.ratio': '0.25',
      'app.tiny': '-1.5e-7',
      'app.big': String(2 ** 60),
      'app.negative': '-42',
      'app.counts': '1,2,3',
      'app.flags': 'true,false',
      'app.region': 'eu-west-1 — München',
      'resource.process.pid': '4242',
    });
    const twilio = rows.find((r) => r.span_id === small[1]!.spanContext().spanId)!;
    expect(twilio).toMatchObject({ method: 'GET', error_type: '_OTHER', status_code: 0 });
    // Nanosecond start times survive both encodings (the JSON exporter writes them as strings).
    const [seconds, nanos] = small[0]!.startTime;
    expect(String(edge['timestamp'])).toContain(String(nanos).padStart(9, '0'));
    expect(String(edge['timestamp'])).toMatch(new RegExp(`^${new Date(seconds * 1000).toISOString().slice(0, 10)}`));
  });
});
