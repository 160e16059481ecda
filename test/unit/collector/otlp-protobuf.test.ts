import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../common/errors.js';
import { MAX_ANY_VALUE_DEPTH } from '../../../common/otlp-spans.js';
import { decodeProtobuf } from '../../../collector/otlp-protobuf.js';
import { ExportTraceServiceRequest } from '../../../collector/otlp-schema.js';
import { deepProtobufRequest } from '../../helpers/otlp-bodies.js';

const FIELDS = Array.from({ length: 12 }, (_, i) => `customer.address.line${i}:string`);

function kv(key: string, value: Record<string, unknown>): Record<string, unknown> {
  return { key, value };
}

/** Bytes as protobufjs's generated encoder writes them, from the opentelemetry-proto numbers. */
function encode(message: Record<string, unknown>): Uint8Array {
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(message)).finish();
}

function span(spanId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
    spanId: Buffer.from(spanId, 'hex'),
    name: 'POST',
    kind: 3,
    startTimeUnixNano: '1795000000123456789',
    endTimeUnixNano: '1795000000223456789',
    attributes: [
      kv('http.request.method', { stringValue: 'POST' }),
      kv('server.port', { intValue: 443 }),
      kv('http.response.status_code', { intValue: -1 }),
      kv('sampled', { boolValue: true }),
      kv('ratio', { doubleValue: 0.25 }),
      kv('egress.request.fields', { arrayValue: { values: FIELDS.map((f) => ({ stringValue: f })) } }),
      kv('short', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } }),
      kv('nested', { kvlistValue: { values: [kv('x', { stringValue: 'y' })] } }),
      kv('raw', { bytesValue: Buffer.from('zz') }),
    ],
    status: { code: 2, message: 'upstream failed' },
    ...extra,
  };
}

describe('decodeProtobuf (wire reader)', () => {
  it('reads ids, kind, exact nanosecond times, status and every attribute type egresswatch uses', () => {
    const body = encode({
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', { stringValue: 'checkout' })] },
          scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-undici', version: '0.1' }, spans: [span('b7ad6b7169203331'), span('b7ad6b7169203332')] }],
          schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        },
        { resource: { attributes: [kv('service.name', { stringValue: 'billing' })] }, scopeSpans: [{ spans: [] }] },
      ],
    });
    const decoded = decodeProtobuf(Buffer.from(body));
    expect(decoded).toHaveLength(2);
    expect([...decoded[0]!.resource]).toEqual([['service.name', 'checkout']]);
    expect(decoded[1]).toEqual({ resource: new Map([['service.name', 'billing']]), spans: [] });
    const [first, second] = decoded[0]!.spans;
    expect(first).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      kind: 3,
      startNs: 1795000000123456789n,
      endNs: 1795000000223456789n,
      statusCode: 2,
      attributes: new Map<string, unknown>([
        ['http.request.method', 'POST'],
        ['server.port', 443],
        ['http.response.status_code', -1],
        ['sampled', true],
        ['ratio', 0.25],
        ['egress.request.fields', FIELDS],
        ['short', ['a', 2]],
      ]),
    });
    // The repeated field list decodes to the same values for every span that sends it.
    expect(second!.spanId).toBe('b7ad6b7169203332');
    expect(second!.attributes.get('egress.request.fields')).toEqual(FIELDS);
  });

  it('reads repeated, non-ASCII and long strings alike, span after span', () => {
    const long = 'https://api.example.com/' + 'x'.repeat(100);
    const attrs = (n: number) => [
      kv('service.owner', { stringValue: `zahlungs-dienst-ü-${n % 2}` }),
      kv('url.full', { stringValue: long }),
      kv('peer.service', { stringValue: n % 2 === 0 ? 'ab' : 'ba' }),
    ];
    const body = encode({ resourceSpans: [{ scopeSpans: [{ spans: [0, 1, 2, 3].map((n) => ({ ...(span('b7ad6b716920333' + n) as object), attributes: attrs(n) })) }] }] });
    const decoded = decodeProtobuf(body)[0]!.spans.map((s) => Object.fromEntries(s.attributes));
    expect(decoded).toEqual([0, 1, 2, 3].map((n) => ({ 'service.owner': `zahlungs-dienst-ü-${n % 2}`, 'url.full': long, 'peer.service': n % 2 === 0 ? 'ab' : 'ba' })));
  });

  it('keeps varint integers past 2^53 exact (snowflake ids) and smaller ones as numbers', () => {
    const ints = ['9007199254740993', '1795000000123456789', '-1795000000123456789', '9223372036854775807', '-9223372036854775808', '9007199254740991', '-9007199254740991', '-7'];
    const body = encode({
      resourceSpans: [{ scopeSpans: [{ spans: [span('b7ad6b7169203331', { attributes: ints.map((n, i) => kv(`n${i}`, { intValue: n })) })] }] }],
    });
    const attributes = decodeProtobuf(body)[0]!.spans[0]!.attributes;
    expect(ints.map((_, i) => attributes.get(`n${i}`))).toEqual([
      9007199254740993n,
      1795000000123456789n,
      -1795000000123456789n,
      9223372036854775807n,
      -9223372036854775808n,
      9007199254740991,
      -9007199254740991,
      -7,
    ]);
  });

  it('accepts a plain Uint8Array as well as a Buffer', () => {
    const body = encode({ resourceSpans: [{ scopeSpans: [{ spans: [span('b7ad6b7169203331')] }] }] });
    expect(decodeProtobuf(body)[0]!.spans[0]!.spanId).toBe('b7ad6b7169203331');
  });

  it('refuses truncated and garbage bodies with a DecodeError', () => {
    const body = encode({ resourceSpans: [{ scopeSpans: [{ spans: [span('b7ad6b7169203331')] }] }] });
    expect(() => decodeProtobuf(body.subarray(0, body.length - 7))).toThrow(DecodeError);
    expect(() => decodeProtobuf(Buffer.from('this is not protobuf, it is text'))).toThrow(DecodeError);
    expect(() => decodeProtobuf(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/not a valid OTLP/);
  });

  it(`takes attribute values nested ${MAX_ANY_VALUE_DEPTH} levels deep and refuses deeper ones, arrays and kvlists alike`, () => {
    const deep = (depth: number, kind: 'arrayValue' | 'kvlistValue') => decodeProtobuf(deepProtobufRequest(depth, kind))[0]!.spans[0]!.attributes;
    let value = deep(MAX_ANY_VALUE_DEPTH, 'arrayValue').get('deep');
    for (let level = 1; level < MAX_ANY_VALUE_DEPTH; level++) value = (value as unknown[])[0] as typeof value;
    expect(value).toBe('core');
    // kvlists are not decoded (egress needs no maps), but they are held to the same bound.
    expect(deep(MAX_ANY_VALUE_DEPTH, 'kvlistValue').has('deep')).toBe(false);
    expect(deep(MAX_ANY_VALUE_DEPTH, 'kvlistValue').get('http.request.method')).toBe('POST');
    for (const kind of ['arrayValue', 'kvlistValue'] as const) {
      expect(() => deep(MAX_ANY_VALUE_DEPTH + 1, kind)).toThrow(/an attribute value nests arrayValue\/kvlistValue more than 32 levels deep/);
      // 50,000 levels used to overflow the stack.
      expect(() => deep(50_000, kind)).toThrow(DecodeError);
    }
  });

  it('refuses groups (wire types 3 and 4, which OTLP never uses) instead of skipping them level by level', () => {
    // 100,000 nested start-group tags of an unknown field: protobufjs skips groups recursively.
    const groups = Buffer.alloc(100_000, 0x7b);
    expect(() => decodeProtobuf(groups)).toThrow(/wire type 3 \(group\)/);
    expect(() => decodeProtobuf(Buffer.from([0x7c]))).toThrow(DecodeError);
  });
});
