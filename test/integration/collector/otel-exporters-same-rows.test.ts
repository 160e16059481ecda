import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { readStore } from '../../helpers/read-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

type Compression = NonNullable<NonNullable<ConstructorParameters<typeof JsonExporter>[0]>['compression']>;
type StoredRow = Record<string, unknown> & { span_id: string };
type Tables = Record<string, StoredRow[]>;
const readTables = (dataDir: string, queries: Record<string, string>): Tables => readStore(dataDir, queries) as Tables;

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

const quote = (name: string): string => '`' + name.replaceAll('`', '``') + '`';

/**
 * One query per table that holds rows, reading every column (materialized and alias ones
 * included). Tables that aggregate (columns of (Simple)AggregateFunction types) are read merged by
 * their other columns, so how inserts fell into parts does not matter; the schema's own
 * bookkeeping (schema_migrations: when each migration ran) is left out.
 */
function everyTableQueries(dataDir: string): Record<string, string> {
  const schema = readStore(dataDir, {
    columns: 'SELECT table, name, type FROM system.columns WHERE database = currentDatabase() ORDER BY table, position',
    filled: "SELECT table FROM system.parts WHERE database = currentDatabase() AND active AND rows > 0 AND table != 'schema_migrations' GROUP BY table",
  });
  const queries: Record<string, string> = {};
  for (const { table } of schema['filled']! as unknown as { table: string }[]) {
    const columns = (schema['columns']! as unknown as { table: string; name: string; type: string }[]).filter((c) => c.table === table);
    const keys: string[] = [];
    const values: string[] = [];
    for (const { name, type } of columns) {
      const simple = /^SimpleAggregateFunction\((\w+),/.exec(type);
      const state = /^AggregateFunction\((\w+)(\([^)]*\))?,/.exec(type);
      if (simple) values.push(`${simple[1]}(${quote(name)}) AS ${quote(name)}`);
      else if (state) values.push(`${state[1]}Merge${state[2] ?? ''}(${quote(name)}) AS ${quote(name)}`);
      else keys.push(quote(name));
    }
    queries[table] = values.length === 0 ? `SELECT ${keys.join(', ')} FROM ${quote(table)}` : `SELECT ${[...keys, ...values].join(', ')} FROM ${quote(table)} GROUP BY ${keys.join(', ')}`;
  }
  return queries;
}

/** A table's rows in an order that depends on their values alone. */
const sorted = (rows: readonly StoredRow[]): StoredRow[] => [...rows].map((r) => [JSON.stringify(r), r] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);

describe('the same spans through the real OTLP/JSON and OTLP protobuf exporters', () => {
  const dirs = { json: tempDir(), protobuf: tempDir() };
  const running: RunningInstance[] = [];
  const spans = finishedSpans();
  // The first five spans are the edge cases, one request each way; the rest one large request.
  const small = spans.slice(0, 5);
  const large = spans.slice(5);
  const tables: Record<'json' | 'protobuf', Tables> = { json: {}, protobuf: {} };

  beforeAll(async () => {
    // One store per encoding, each sent its spans plain and gzip, so that every table the spans
    // reach can be compared whole: rows, rollups, data map, PII KPI.
    for (const encoding of ['json', 'protobuf'] as const) {
      const ew = await startInstance(dirs[encoding].path);
      running.push(ew);
      const url = `${ew.url}/v1/traces`;
      const Exporter = encoding === 'json' ? JsonExporter : ProtoExporter;
      // The exporters' default 10 s timeout is short for a 2,000-span request on a busy shared machine.
      const options = { url, timeoutMillis: 60_000 };
      for (const exporter of [new Exporter(options), new Exporter({ ...options, compression: 'gzip' as Compression })]) {
        await exportWith(exporter, small);
        await exportWith(exporter, large);
        await exporter.shutdown();
      }
      // The embedded store belongs to `start`: read it once that has stopped.
      await ew.stop();
    }
    const queries = everyTableQueries(dirs.json.path);
    tables.json = readTables(dirs.json.path, queries);
    tables.protobuf = readTables(dirs.protobuf.path, queries);
  }, 300_000);
  afterAll(async () => {
    await Promise.all(running.map((ew) => ew.stop()));
    dirs.json.remove();
    dirs.protobuf.remove();
  });

  it('stores every egress span once per export, the plain and the gzip copy alike', () => {
    const stored = spans.filter((s) => s.kind === SpanKind.CLIENT && Object.keys(s.attributes).some((k) => /server\.address|net\.peer\.name|url\.full|http\.url/.test(k)));
    for (const encoding of ['json', 'protobuf'] as const) {
      const rows = sorted(tables[encoding]['egress_spans'] ?? []);
      expect(new Set(rows.map((r) => r.span_id))).toEqual(new Set(stored.map((s) => s.spanContext().spanId)));
      expect(rows).toHaveLength(2 * stored.length);
      for (let i = 0; i < rows.length; i += 2) expect(rows[i + 1]).toEqual(rows[i]);
    }
  });

  it('writes the same tables with identical rows column by column from either encoding', () => {
    // What the spans reach: the rows, the per-minute rollup, the data map and the PII KPI. A
    // table the collector starts writing is compared here without a change to this test.
    expect(Object.keys(tables.json).sort()).toEqual(['egress_fields', 'egress_minute', 'egress_pii_daily', 'egress_spans']);
    expect(Object.keys(tables.protobuf).sort()).toEqual(Object.keys(tables.json).sort());
    for (const [table, rows] of Object.entries(tables.json)) {
      expect(rows.length, table).toBeGreaterThan(0);
      const other = sorted(tables.protobuf[table] ?? []);
      sorted(rows).forEach((row, i) => expect(other[i], `${table} row ${i}`).toEqual(row));
      expect(other, table).toHaveLength(rows.length);
    }
  });

  it('keeps the edge values as a user would read them back', () => {
    const rows = tables.json['egress_spans']!;
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
      // Exact digits of the integer sent (String(2 ** 60) rounds to "1152921504606847000").
      'app.big': String(2n ** 60n),
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
