import { randomBytes } from 'node:crypto';
import { ExportTraceServiceRequest } from '../collector/otlp-schema.js';
import type { EgressSpanRow } from '../storage/span-writer.js';

/** Realistic egress shapes: what a checkout, a notifier and an AI feature send out. */
const SHAPES = [
  { host: 'api.stripe.com', route: '/v1/payment_intents', fields: ['amount:number', 'currency:string', 'customer:string', 'metadata.order_id:string', 'payment_method_types[]:string', 'receipt_email:string', 'shipping.name:string', 'shipping.address.line1:string', 'shipping.address.city:string', 'shipping.address.postal_code:string', 'shipping.address.country:string', 'description:string'], pii: ['receipt_email:email', 'shipping.name:person_name', 'shipping.address.line1:street_address'] },
  { host: 'api.twilio.com', route: '/2010-04-01/Accounts/{id}/Messages.json', fields: ['To:string', 'From:string', 'Body:string', 'StatusCallback:string'], pii: ['To:phone', 'From:phone'] },
  { host: 'api.openai.com', route: '/v1/chat/completions', fields: ['model:string', 'messages[].role:string', 'messages[].content:string', 'temperature:number', 'max_tokens:number', 'user:string'], pii: [] },
  { host: 'api.segment.io', route: '/v1/track', fields: ['userId:string', 'event:string', 'properties.plan:string', 'properties.revenue:number', 'context.ip:string', 'context.traits.email:string', 'timestamp:string'], pii: ['context.ip:ip_address', 'context.traits.email:email'] },
];
const SERVICES = ['checkout', 'notifications', 'assistant', 'analytics', 'billing', 'accounts', 'search', 'onboarding'];

function kv(key: string, value: string | number | string[]): Record<string, unknown> {
  if (Array.isArray(value)) return { key, value: { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } };
  return { key, value: typeof value === 'number' ? { intValue: value } : { stringValue: value } };
}

/** One OTLP protobuf ExportTraceServiceRequest of `spans` CLIENT spans, encoded. */
export function protobufBatch(spans: number, seed: number): Uint8Array {
  const service = SERVICES[seed % SERVICES.length]!;
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const list = Array.from({ length: spans }, (_, i) => {
    const shape = SHAPES[(seed + i) % SHAPES.length]!;
    const start = nowNs - BigInt((spans - i) * 1_000_000);
    return {
      traceId: randomBytes(16),
      spanId: randomBytes(8),
      name: 'POST',
      kind: 3,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + BigInt(20_000_000 + ((i * 7919) % 200_000_000))).toString(),
      attributes: [
        kv('http.request.method', 'POST'),
        kv('url.full', `https://${shape.host}${shape.route.replace('{id}', 'AC' + (seed * 31 + i).toString(16).padStart(32, '0'))}`),
        kv('server.address', shape.host),
        kv('server.port', 443),
        kv('url.template', shape.route),
        kv('http.response.status_code', i % 97 === 0 ? 503 : 200),
        kv('http.request.body.size', 300 + ((i * 13) % 2000)),
        kv('http.response.body.size', 800 + ((i * 17) % 4000)),
        kv('network.protocol.version', '1.1'),
        kv('egress.request.fields', shape.fields),
        kv('egress.request.pii', shape.pii),
        kv('egress.response.fields', ['id:string', 'status:string', 'created:number']),
      ],
    };
  });
  const msg = ExportTraceServiceRequest.fromObject({
    resourceSpans: [{ resource: { attributes: [kv('service.name', service), kv('deployment.environment.name', 'prod'), kv('host.name', `${service}-7d9f-${seed % 5}`)] }, scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-undici' }, spans: list }] }],
  });
  return ExportTraceServiceRequest.encode(msg).finish();
}

/** Span-like rows as the collector would insert them, for the bare-insert reference. */
export function spanRows(count: number, seed: number): EgressSpanRow[] {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: count }, (_, i) => {
    const shape = SHAPES[(seed + i) % SHAPES.length]!;
    const ns = nowNs - BigInt((count - i) * 1_000_000);
    return {
      timestamp_ns: ns,
      trace_id: randomBytes(16).toString('hex'),
      span_id: randomBytes(8).toString('hex'),
      service: SERVICES[seed % SERVICES.length]!,
      environment: 'prod',
      vendor: shape.host.split('.')[1]!,
      host: shape.host,
      method: 'POST',
      route: shape.route,
      status_code: i % 97 === 0 ? 503 : 200,
      error_type: '',
      duration_ns: 20_000_000 + ((i * 7919) % 200_000_000),
      request_bytes: 300 + ((i * 13) % 2000),
      response_bytes: 800 + ((i * 17) % 4000),
      request_fields: shape.fields,
      request_pii: shape.pii,
      response_fields: ['id:string', 'status:string', 'created:number'],
      response_pii: [],
      shape_hash: 'a1b2c3d4e5f60718',
      attributes: { 'network.protocol.version': '1.1', 'resource.host.name': `svc-${seed % 5}` },
    };
  });
}
