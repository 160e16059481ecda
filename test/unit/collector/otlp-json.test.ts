import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../common/errors.js';
import { decodeJson, MAX_ANY_VALUE_DEPTH, spansFromOtlpJson } from '../../../common/otlp-spans.js';
import { decodeProtobuf } from '../../../collector/otlp-protobuf.js';
import { decodeRows } from '../../../collector/decode-rows.js';
import { ExportTraceServiceRequest } from '../../../collector/otlp-schema.js';
import { deepJsonRequest } from '../../helpers/otlp-bodies.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const nowNs = BigInt(Date.now()) * 1_000_000n;

/** One request of one resource and one scope, as the OTel JSON exporter writes it. */
function request(spans: unknown[], resource: unknown = { attributes: [{ key: 'service.name', value: { stringValue: 'notify' } }] }): Record<string, unknown> {
  return { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'egresswatch-test' }, spans }] }] };
}

function span(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    name: 'POST',
    kind: 3,
    startTimeUnixNano: String(nowNs),
    endTimeUnixNano: String(nowNs + 5_000_000n),
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'POST' } },
      { key: 'server.address', value: { stringValue: 'api.twilio.com' } },
    ],
    ...extra,
  };
}

const decode = (message: unknown) => decodeJson(Buffer.from(JSON.stringify(message)));
const only = (message: unknown) => decode(message)[0]!.spans[0]!;
const attr = (value: unknown) => only(request([span({ attributes: [{ key: 'a', value }] })])).attributes.get('a');

describe('decodeJson (OTLP/JSON reader)', () => {
  it('reads what the protobuf decoder reads from the same request', () => {
    const attributes = [
      { key: 'http.request.method', value: { stringValue: 'POST' } },
      { key: 'server.port', value: { intValue: 443 } },
      { key: 'sampled', value: { boolValue: true } },
      { key: 'ratio', value: { doubleValue: 0.25 } },
      { key: 'egress.request.fields', value: { arrayValue: { values: [{ stringValue: 'to:string' }, { stringValue: 'body:string' }] } } },
      { key: 'mixed', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }, { arrayValue: { values: [{ boolValue: true }] } }] } } },
      { key: 'snowflake', value: { intValue: '1795000000123456789' } },
      { key: 'ids', value: { arrayValue: { values: [{ intValue: '-1795000000123456789' }, { intValue: '7' }] } } },
      { key: 'nested', value: { kvlistValue: { values: [{ key: 'x', value: { stringValue: 'y' } }] } } },
    ];
    const json = request([span({ attributes, status: { code: 2 } })]);
    const wire = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject(
        request([span({ attributes, status: { code: 2 }, traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(SPAN_ID, 'hex') })]),
      ),
    ).finish();
    expect(decode(json)).toEqual(decodeProtobuf(wire));
    expect(only(json).attributes.get('mixed')).toEqual(['a', 2, [true]]);
    expect(only(json).attributes.get('snowflake')).toBe(1795000000123456789n);
    expect(only(json).attributes.get('ids')).toEqual([-1795000000123456789n, 7]);
  });

  it('takes int64 as a string or a number, enums as numbers or names, and ids of any case', () => {
    // As a JSON number this is 1795000000123456768: past 2^53 digits are lost in JSON.parse.
    const lossy = Number(1795000000123456789n);
    const s = only(
      request([
        span({ startTimeUnixNano: lossy, endTimeUnixNano: '1795000000223456789', kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR' }, traceId: TRACE_ID.toUpperCase() }),
      ]),
    );
    expect(s.startNs).toBe(BigInt(lossy));
    expect(s.endNs).toBe(1795000000223456789n);
    expect([s.kind, s.statusCode, s.traceId]).toEqual([3, 2, TRACE_ID]);
    // Digits past 2^53 are kept exact (snowflake ids); a JSON number there was rounded to the
    // nearest double by the syntax, and that double is kept exact.
    expect(attr({ intValue: '9007199254740993' })).toBe(9007199254740993n);
    expect(attr({ intValue: '-9223372036854775808' })).toBe(-9223372036854775808n);
    expect(attr({ intValue: '9007199254740991' })).toBe(9007199254740991);
    const pastDouble = JSON.stringify(request([span({ attributes: [{ key: 'a', value: { intValue: 0 } }] })])).replace('"intValue":0', '"intValue":9007199254740993');
    expect(decodeJson(Buffer.from(pastDouble))[0]!.spans[0]!.attributes.get('a')).toBe(9007199254740992n);
    expect(attr({ intValue: 2 ** 60 })).toBe(2n ** 60n);
    expect(attr({ intValue: -7 })).toBe(-7);
    expect(attr({ doubleValue: 'NaN' })).toBeNaN();
  });

  it('fills in what is missing and ignores what it does not know, snake_case keys included', () => {
    expect(decode({})).toEqual([]);
    expect(decode({ resourceSpans: [] })).toEqual([]);
    expect(decode({ resource_spans: [{ scope_spans: [{ spans: [span()] }] }] })).toEqual([]);
    expect(decode({ resourceSpans: [{}] })).toEqual([{ resource: new Map(), spans: [] }]);
    expect(only(request([{}]))).toEqual({ traceId: '', spanId: '', kind: 0, startNs: 0n, endNs: 0n, attributes: new Map(), statusCode: 0 });
    const s = only(request([span({ droppedAttributesCount: 0, events: [{ name: 'x' }], links: [], flags: 1, traceState: '', status: { message: 'm' }, futureField: { a: [1] } })]));
    expect(s.statusCode).toBe(0);
    expect(s.attributes.get('http.request.method')).toBe('POST');
    // proto3 JSON: null is the default value.
    expect(only(request([span({ kind: null, status: null, attributes: null })]))).toMatchObject({ kind: 0, statusCode: 0, attributes: new Map() });
    // Values egresswatch does not keep are dropped, the rest of the span is read.
    expect(attr({})).toBeUndefined();
    expect(attr({ bytesValue: 'AAE=' })).toBeUndefined();
    expect(attr(null)).toBeUndefined();
  });

  it('leaves ids of the wrong length to the normaliser, which rejects the span with its reason', () => {
    const decoded = decodeRows(Buffer.from(JSON.stringify(request([span({ spanId: 'eee1' }), span()]))), 'json', { configVendors: [], ignoreHosts: [], maxAgeMs: 86_400_000 }, Date.now());
    expect(decoded.rows).toHaveLength(1);
    expect([...decoded.rejected]).toEqual([['invalid_ids', 1]]);
  });

  it('refuses values of the wrong type with a DecodeError that names where', () => {
    const refused = (message: unknown): string => {
      try {
        decode(message);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        return (err as Error).message;
      }
      throw new Error('decoded');
    };
    // OTLP/JSON ids are hex; base64 (proto3 JSON's bytes) is refused rather than misread.
    expect(refused(request([span({ traceId: 'W47/95gDgQPSabYzgT/GDA==' })]))).toMatch(/resourceSpans\.0\.scopeSpans\.0\.spans\.0\.traceId: must be a hex string/);
    expect(refused(request([span({ spanId: 'abc' })]))).toMatch(/spanId: .*even number/);
    expect(refused(request([span({ attributes: { 'http.request.method': 'POST' } })]))).toMatch(/spans\.0\.attributes: expected an array, got object/);
    expect(refused(request([span({ attributes: [{ value: { stringValue: 'x' } }] })]))).toMatch(/attributes\.0\.key: expected a string, got undefined/);
    expect(refused(request([span({ attributes: [{ key: 'a', value: { stringValue: 5 } }] })]))).toMatch(/attributes\.0\.value\.stringValue: expected a string, got number/);
    expect(refused(request([span({ attributes: [{ key: 'a', value: { arrayValue: { values: [{ intValue: '1.5' }] } } }] })]))).toMatch(
      /attributes\.0\.value\.arrayValue\.values\.0\.intValue: must be an integer/,
    );
    expect(refused(request([span({ startTimeUnixNano: '1'.repeat(30) })]))).toMatch(/startTimeUnixNano: must be an integer/);
    expect(refused(request([span({ startTimeUnixNano: 1.5 })]))).toMatch(/startTimeUnixNano/);
    expect(refused(request([span({ kind: 9 })]))).toMatch(/kind: must be an integer from 0 to 5/);
    expect(refused(request([span({ kind: 'CLIENT' })]))).toMatch(/kind: must be a number or one of SPAN_KIND_UNSPECIFIED/);
    expect(refused(request([span()], { attributes: 'service.name=x' }))).toMatch(/resourceSpans\.0\.resource\.attributes: expected an array, got string/);
    expect(refused({ resourceSpans: [{ scopeSpans: [null] }] })).toMatch(/resourceSpans\.0\.scopeSpans\.0: expected an object, got null/);
    expect(refused([])).toMatch(/\(top level\): expected an object, got array/);
    expect(() => decodeJson(Buffer.from('{"resourceSpans": ['))).toThrow(/body is not valid JSON/);
  });

  it(`takes attribute values nested ${MAX_ANY_VALUE_DEPTH} levels deep and refuses deeper ones, arrays and kvlists alike`, () => {
    const deep = (depth: number, kind: 'arrayValue' | 'kvlistValue') => decodeJson(deepJsonRequest(depth, kind))[0]!.spans[0]!.attributes;
    expect(deep(MAX_ANY_VALUE_DEPTH, 'arrayValue').get('deep')).toBeDefined();
    expect(deep(MAX_ANY_VALUE_DEPTH, 'kvlistValue').has('deep')).toBe(false);
    for (const kind of ['arrayValue', 'kvlistValue'] as const) {
      expect(() => deep(MAX_ANY_VALUE_DEPTH + 1, kind)).toThrow(/spans\.0\.attributes\.2: an attribute value nests arrayValue\/kvlistValue more than 32 levels deep/);
      // 50,000 levels: JSON.parse copes, and the reader stops at the bound instead of overflowing the stack.
      expect(() => deep(50_000, kind)).toThrow(DecodeError);
    }
  });

  it('names its caller in the error when reading a recorded file', () => {
    expect(() => spansFromOtlpJson({ resourceSpans: {} }, 'spans.json: document 2 is not OTLP/JSON TracesData')).toThrow(
      'spans.json: document 2 is not OTLP/JSON TracesData: resourceSpans: expected an array, got object',
    );
  });
});
