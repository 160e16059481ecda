/**
 * OTLP request bodies for tests that post to the collector, as JSON text and as protobuf bytes
 * (written here from the opentelemetry-proto field numbers):
 * - `jsonSpan` / `jsonBody`: spans as the OTel JSON exporter writes them, with the attributes a
 *   test is about;
 * - `deep…Request`: one span whose attribute value nests `depth` levels (arrays of arrays, or
 *   kvlists of kvlists), written from the inside out without recursion as an attacker's would
 *   be: JSON.stringify and protobufjs's encoder recurse per level and overflow before 50,000;
 * - `largeRequest`: as many realistic egress spans as fit in a given size, quickly.
 */

export type Nesting = 'arrayValue' | 'kvlistValue';

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** A span attribute value as HTTP instrumentations set them. */
export type AttributeValue = string | number | string[];

/** One CLIENT span for `jsonSpan`. */
export interface JsonSpanInput {
  /** The span's attributes, in order. */
  attributes: Record<string, AttributeValue>;
  /** Gives the span its own trace and span ids (`index + 1` in hex), so the spans of a body are distinct. Default 0. */
  index?: number;
  /** Start, epoch ns. Default now + `index` ms. */
  startNs?: bigint;
  /** Default 5 ms. */
  durationNs?: bigint;
  /** Span fields written over the rest, last: an empty `traceId`, a server `kind`, a `status`. */
  overrides?: Record<string, unknown>;
}

const hexId = (i: number, bytes: number): string => (i + 1).toString(16).padStart(bytes * 2, '0');

function jsonValue(v: AttributeValue): unknown {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
  return typeof v === 'number' ? { intValue: String(v) } : { stringValue: v };
}

/** One OTLP/JSON CLIENT span named POST, as the OTel JSON exporter writes it. */
export function jsonSpan(input: JsonSpanInput): Record<string, unknown> {
  const index = input.index ?? 0;
  const startNs = input.startNs ?? nowNs() + BigInt(index) * 1_000_000n;
  return {
    traceId: hexId(index, 16),
    spanId: hexId(index, 8),
    name: 'POST',
    kind: 3,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(startNs + (input.durationNs ?? 5_000_000n)),
    attributes: Object.entries(input.attributes).map(([key, value]) => ({ key, value: jsonValue(value) })),
    ...input.overrides,
  };
}

/** An OTLP/JSON ExportTraceServiceRequest: `spans` of service `service` in one scope. */
export function jsonBody(spans: readonly Record<string, unknown>[], service: string): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] });
}

/** The JSON text of an AnyValue nested `depth` levels around a string. */
function nestedJson(depth: number, kind: Nesting): string {
  const open = kind === 'arrayValue' ? '{"arrayValue":{"values":[' : '{"kvlistValue":{"values":[{"key":"k","value":';
  const close = kind === 'arrayValue' ? ']}}' : '}]}}';
  return open.repeat(depth - 1) + '{"stringValue":"core"}' + close.repeat(depth - 1);
}

/** An OTLP/JSON request with one CLIENT span whose attribute `deep` nests `depth` levels. */
export function deepJsonRequest(depth: number, kind: Nesting): Buffer {
  const span = jsonSpan({
    attributes: { 'http.request.method': 'POST', 'server.address': 'api.example.com', deep: 'DEEP' },
    overrides: { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' },
  });
  const text = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
  return Buffer.from(text.replace('{"stringValue":"DEEP"}', nestedJson(depth, kind)));
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** A length-delimited field: tag, length, bytes. */
const field = (tag: number, bytes: Uint8Array): Buffer => Buffer.concat([Uint8Array.from([tag, ...varint(bytes.length)]), bytes]);
const concat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const fixed64 = (tag: number, v: bigint): Uint8Array => {
  const b = Buffer.alloc(9);
  b[0] = tag;
  b.writeBigUInt64LE(v, 1);
  return b;
};

/**
 * A wire AnyValue nested `depth` levels around a string. Each level wraps the inner message in
 * fields written before it (`before`, e.g. a KeyValue's key) plus a tag and a length; the
 * headers are collected from the inside out, then written outermost first.
 */
function nestedProtobuf(depth: number, kind: Nesting): Uint8Array {
  // AnyValue.array_value (5) ⊃ ArrayValue.values (1) ⊃ AnyValue; AnyValue.kvlist_value (6) ⊃
  // KeyValueList.values (1) ⊃ KeyValue { key (1) = "k", value (2) } ⊃ AnyValue.
  const steps: { tag: number; before: number[] }[] =
    kind === 'arrayValue'
      ? [
          { tag: 0x0a, before: [] },
          { tag: 0x2a, before: [] },
        ]
      : [
          { tag: 0x12, before: [0x0a, 0x01, 0x6b] },
          { tag: 0x0a, before: [] },
          { tag: 0x32, before: [] },
        ];
  const core = field(0x0a, text('core'));
  const headers: number[][] = [];
  let length = core.length;
  for (let level = 1; level < depth; level++) {
    for (const { tag, before } of steps) {
      const header = [...before, tag, ...varint(length)];
      headers.push(header);
      length += header.length;
    }
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    out.set(headers[i]!, at);
    at += headers[i]!.length;
  }
  out.set(core, at);
  return out;
}

/** The protobuf form of `deepJsonRequest`: ExportTraceServiceRequest bytes. */
export function deepProtobufRequest(depth: number, kind: Nesting): Buffer {
  const start = nowNs();
  const kv = (key: string, value: Uint8Array): Uint8Array => field(0x4a, concat(field(0x0a, text(key)), field(0x12, value)));
  const span = concat(
    field(0x0a, Buffer.from('5b8efff798038103d269b633813fc60c', 'hex')),
    field(0x12, Buffer.from('eee19b7ec3c1b174', 'hex')),
    Uint8Array.from([0x30, 0x03]),
    fixed64(0x39, start),
    fixed64(0x41, start + 5_000_000n),
    kv('http.request.method', field(0x0a, text('POST'))),
    kv('server.address', field(0x0a, text('api.example.com'))),
    kv('deep', nestedProtobuf(depth, kind)),
  );
  return field(0x0a, field(0x12, field(0x12, span)));
}

// ---------------------------------------------------------------- large requests

const FIELDS = ['amount:number', 'currency:string', 'customer:string', 'metadata.order_id:string', 'receipt_email:string', 'shipping.name:string', 'shipping.address.line1:string', 'shipping.address.city:string', 'shipping.address.postal_code:string', 'shipping.address.country:string', 'description:string', 'payment_method_types[]:string'];
const PII = ['receipt_email:email', 'shipping.name:person_name', 'shipping.address.line1:street_address'];

/** The attributes of span `i`: what an instrumented Stripe call carries. */
function attributes(i: number): [string, AttributeValue][] {
  return [
    ['http.request.method', 'POST'],
    ['url.full', `https://api.stripe.com/v1/payment_intents/pi_${i.toString(16).padStart(24, '0')}/confirm`],
    ['server.address', 'api.stripe.com'],
    ['server.port', 443],
    ['url.template', '/v1/payment_intents/{id}/confirm'],
    ['http.response.status_code', i % 97 === 0 ? 503 : 200],
    ['http.request.body.size', 300 + ((i * 13) % 2000)],
    ['network.protocol.version', '1.1'],
    ['egress.request.fields', FIELDS],
    ['egress.request.pii', PII],
  ];
}

const wireLists = new Map<string[], Uint8Array>();

function wireValue(v: AttributeValue): Uint8Array {
  if (Array.isArray(v)) {
    let list = wireLists.get(v);
    if (!list) wireLists.set(v, (list = field(0x2a, concat(...v.map((s) => field(0x0a, field(0x0a, text(s))))))));
    return list;
  }
  if (typeof v === 'number') return Uint8Array.from([0x18, ...varint(v)]);
  return field(0x0a, text(v));
}

function wireSpan(i: number, startNs: bigint): Uint8Array {
  return concat(
    field(0x0a, Buffer.from(hexId(i, 16), 'hex')),
    field(0x12, Buffer.from(hexId(i, 8), 'hex')),
    field(0x2a, text('POST')),
    Uint8Array.from([0x30, 0x03]),
    fixed64(0x39, startNs),
    fixed64(0x41, startNs + 20_000_000n),
    ...attributes(i).map(([key, value]) => field(0x4a, concat(field(0x0a, text(key)), field(0x12, wireValue(value))))),
  );
}

/**
 * An ExportTraceServiceRequest of distinct CLIENT spans to api.stripe.com (service `checkout`),
 * as close to `bytes` long as whole spans allow, in either encoding.
 */
export function largeRequest(bytes: number, encoding: 'json' | 'protobuf'): { body: Buffer; spans: number } {
  const startNs = nowNs() - 60_000_000_000n;
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] };
  if (encoding === 'json') {
    const head = `{"resourceSpans":[{"resource":${JSON.stringify(resource)},"scopeSpans":[{"scope":{"name":"test"},"spans":[`;
    const parts: string[] = [];
    let length = head.length + 6;
    for (let i = 0; ; i++) {
      const span = JSON.stringify(jsonSpan({ index: i, startNs: startNs + BigInt(i) * 1000n, durationNs: 20_000_000n, attributes: Object.fromEntries(attributes(i)), overrides: { status: {} } }));
      if (length + span.length + 1 > bytes) break;
      parts.push(span);
      length += span.length + 1;
    }
    return { body: Buffer.from(`${head}${parts.join(',')}]}]}]}`), spans: parts.length };
  }
  const resourceBytes = field(0x0a, concat(field(0x0a, concat(field(0x0a, text('service.name')), field(0x12, field(0x0a, text('checkout')))))));
  const spans: Uint8Array[] = [];
  // The length prefixes of the three enclosing messages take at most 3 × 6 bytes.
  let length = resourceBytes.length + 18;
  for (let i = 0; ; i++) {
    const span = field(0x12, wireSpan(i, startNs + BigInt(i) * 1000n));
    if (length + span.length > bytes) break;
    spans.push(span);
    length += span.length;
  }
  return { body: field(0x0a, concat(resourceBytes, field(0x12, concat(...spans)))), spans: spans.length };
}
