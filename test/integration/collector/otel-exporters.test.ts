import { describe, expect, it } from 'vitest';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { runCli, useStartedInstance } from '../../helpers/egresswatch-process.js';

interface VendorOut {
  vendor: string;
  hosts: string[];
  services: string[];
  pii: string[];
  calls: number;
  routes: { route: string; methods: string[]; calls: number; fields: { direction: string; field: string; types: string[]; pii: string[] }[] }[];
}

/** Sends spans through a real OTel SDK pipeline with the given exporter and flushes. */
async function send(exporter: SpanExporter, service: string, spans: { name: string; attributes: Attributes; kind?: SpanKind }[]): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('egresswatch-test');
  for (const s of spans) tracer.startSpan(s.name, { kind: s.kind ?? SpanKind.CLIENT, attributes: s.attributes }).end();
  await provider.forceFlush();
  await provider.shutdown();
}

describe('real OpenTelemetry exporters → egresswatch start → vendors --json', () => {
  const started = useStartedInstance();

  it('stores stable-semconv spans from the JSON exporter and old-semconv spans from the protobuf exporter alike', async () => {
    await send(new JsonExporter({ url: `${started.ew.url}/v1/traces` }), 'checkout', [
      {
        name: 'POST',
        attributes: {
          'http.request.method': 'POST',
          'url.full': 'https://api.stripe.com/v1/customers/cus_9s6XKzkNRiz8i3/charges?api_key=sk_live_abcdefghijklmnop',
          'server.address': 'api.stripe.com',
          'server.port': 443,
          'http.response.status_code': 200,
          'http.request.body.size': 412,
          'egress.request.fields': ['amount:number', 'customer.email:string', 'card.number:string', 'items[].qty:number'],
          'egress.request.pii': ['customer.email:email', 'card.number:card'],
          'egress.response.fields': ['id:string', 'status:string'],
        },
      },
      // Not egress: a server span is skipped, not stored.
      { name: 'GET /health', kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/health' } },
    ]);
    await send(new ProtoExporter({ url: `${started.ew.url}/v1/traces` }), 'billing', [
      {
        name: 'HTTP POST',
        attributes: {
          'http.method': 'POST',
          'http.url': 'https://api.stripe.com/v1/customers/cus_Q1w2E3r4T5y6U7/charges',
          'net.peer.name': 'api.stripe.com',
          'http.status_code': 402,
          'egress.request.fields': ['amount:number', 'customer.email:string'],
          'egress.request.pii': ['customer.email:email'],
        },
      },
      {
        name: 'HTTP POST',
        attributes: {
          'http.method': 'POST',
          'http.url': 'https://hooks.example-crm.co.uk/api/v2/contacts/123456',
          'egress.request.fields': ['ssn:string'],
          'egress.request.pii': ['ssn:ssn'],
        },
      },
    ]);

    const res = await runCli(started.dir, ['vendors', '--json']);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const vendors = JSON.parse(res.stdout) as VendorOut[];
    const stripe = vendors.find((v) => v.vendor === 'stripe')!;
    expect(stripe).toBeDefined();
    expect(stripe.hosts).toEqual(['api.stripe.com']);
    expect(stripe.services).toEqual(['billing', 'checkout']);
    expect(stripe.pii).toEqual(['card', 'email']);
    expect(stripe.calls).toBe(2);
    expect(stripe.routes).toHaveLength(1);
    const route = stripe.routes[0]!;
    expect(route.route).toBe('/v1/customers/{id}/charges');
    expect(route.methods).toEqual(['POST']);
    const email = route.fields.find((f) => f.field === 'customer.email' && f.direction === 'request')!;
    expect(email).toMatchObject({ types: ['string'], pii: ['email'] });
    expect(route.fields.find((f) => f.field === 'items[].qty')).toMatchObject({ types: ['number'], pii: [] });
    expect(route.fields.find((f) => f.field === 'status' && f.direction === 'response')).toBeDefined();

    // No vendor catalog entry: the registrable domain names the vendor.
    const crm = vendors.find((v) => v.vendor === 'example-crm.co.uk')!;
    expect(crm.routes[0]!.route).toBe('/api/v2/contacts/{id}');
    expect(crm.pii).toEqual(['ssn']);

    // The query string (with its key) never reached the store.
    const sql = await runCli(started.dir, ['vendors', '--json', '--vendor', 'stripe']);
    expect(sql.stdout).not.toContain('sk_live');
  });
});
