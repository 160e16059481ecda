import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { freePort } from '../../../queue/redis-server.js';
import { CLI, runCli, startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Sends spans through a real OTel SDK pipeline with the given exporter and flushes. */
async function send(exporter: SpanExporter, service: string, spans: { name: string; attributes: Attributes; kind?: SpanKind }[]): Promise<void> {
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('egresswatch-test');
  for (const s of spans) tracer.startSpan(s.name, { kind: s.kind ?? SpanKind.CLIENT, attributes: s.attributes }).end();
  await provider.forceFlush();
  await provider.shutdown();
}

/**
 * What a test suite's HTTP calls look like to the SDK: ids in URLs (no url.template), a map keyed
 * by an e-mail address, a catalog vendor and one named by its registrable domain, a server span.
 */
async function sendSuite(url: string): Promise<void> {
  await send(new JsonExporter({ url: `${url}/v1/traces` }), 'checkout', [
    {
      name: 'POST',
      attributes: {
        'http.request.method': 'POST',
        'url.full': 'https://api.stripe.com/v1/customers/cus_9s6XKzkNRiz8i3/charges',
        'server.address': 'api.stripe.com',
        'egress.request.fields': ['amount:number', 'card.number:string', 'customer.tax_id:string'],
        'egress.request.pii': ['card.number:card', 'customer.tax_id:ssn'],
      },
    },
    { name: 'GET /health', kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/health' } },
  ]);
  await send(new ProtoExporter({ url: `${url}/v1/traces` }), 'crm-sync', [
    {
      name: 'PUT',
      attributes: {
        'http.request.method': 'PUT',
        'url.full': 'https://hooks.example-crm.co.uk/api/v2/contacts/123456',
        'egress.request.fields': ['contacts.jane.doe@example.com.phone:string', 'iban:string'],
        'egress.request.pii': ['contacts.jane.doe@example.com.phone:phone', 'iban:iban'],
      },
    },
  ]);
}

interface Violation {
  vendor: string;
  route: string;
  field: string;
  pii: string;
}

const names = (report: { violations: Violation[] }): string[] => report.violations.map((v) => `${v.vendor} ${v.route} ${v.field} ${v.pii}`).sort();

describe('policy check --spans cannot pass by accident', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('exits 2 with one line on a file that is not OTLP/JSON TracesData, or holds no spans, or no outbound call', async () => {
    const cases: [string, string, RegExp][] = [
      ['not-otlp.json', '{"not":"otlp"}', /document 1 is not OTLP\/JSON TracesData \(no resourceSpans array\)/],
      ['empty.json', '', /holds no spans/],
      ['no-spans.json', '{"resourceSpans":[]}', /holds no spans/],
      ['server-only.json', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ kind: 2, attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }] }] }] }] }), /holds 1 span but no outbound HTTP call/],
    ];
    for (const [file, text, message] of cases) {
      writeFileSync(join(dir.path, file), text);
      const res = await runCli(dir.path, ['policy', 'check', '--spans', join(dir.path, file)]);
      expect(res.code, file).toBe(2);
      expect(res.stdout, file).toBe('');
      expect(res.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(res.stderr, file).toMatch(message);
    }
  });
});

describe('egresswatch record → policy check --spans, named as the store names them', () => {
  const dir = tempDir();
  const spansFile = join(dir.path, 'spans.jsonl');
  let ew: RunningInstance;
  beforeAll(async () => {
    const port = await freePort();
    const recorder = spawn(process.execPath, [CLI, 'record', '--out', spansFile, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    recorder.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // 'close', not 'exit': the last line may still be in the pipe when the process exits.
    const exited = new Promise<number | null>((r) => recorder.once('close', (code) => r(code)));
    for (let i = 0; i < 200 && !out.includes('recording spans'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${port}`);
    await sendSuite(`http://127.0.0.1:${port}`);
    recorder.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/recorded 3 spans from 3 export requests/);
    // The same calls, sent to a running egresswatch: what the store learns.
    ew = await startInstance(dir.path);
    await sendSuite(ew.url);
  }, 60_000);
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('writes one OTLP/JSON TracesData per export request, from both the JSON and the protobuf exporter', () => {
    // SimpleSpanProcessor exports each span on its own: three requests, three lines.
    const lines = readFileSync(spansFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    const docs = lines.map((l) => JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: { traceId: string; kind: number }[] }[] }[] });
    for (const doc of docs) for (const span of doc.resourceSpans[0]!.scopeSpans[0]!.spans) expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(docs.flatMap((d) => d.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.kind))))).toEqual([3, 2, 3]);
  });

  it('fails the gate on the recorded file, with the vendor, route and field names the data map has', async () => {
    const gate = await runCli(dir.path, ['policy', 'check', '--spans', spansFile, '--json']);
    expect(gate.code).toBe(1);
    const live = await runCli(dir.path, ['policy', 'check', '--json']);
    expect(live.code).toBe(1);
    const fromFile = names(JSON.parse(gate.stdout) as { violations: Violation[] });
    expect(fromFile).toEqual([
      'example-crm.co.uk /api/v2/contacts/{id} iban iban',
      // The map keyed by an address is not stored by that address.
      'example-crm.co.uk /api/v2/contacts/{id} {key} phone',
      'stripe /v1/customers/{id}/charges card.number card',
      'stripe /v1/customers/{id}/charges customer.tax_id ssn',
    ]);
    expect(names(JSON.parse(live.stdout) as { violations: Violation[] })).toEqual(fromFile);
    const text = await runCli(dir.path, ['policy', 'check', '--spans', spansFile]);
    expect(text.stdout).toContain(`spans file ${spansFile}: 2 outbound calls of 3 spans`);
  });
});
