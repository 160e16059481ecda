import { describe, expect, it } from 'vitest';
import { decodeJson } from '../../../common/otlp-spans.js';
import { readBytes } from '../../../collector/otlp-json.js';

/*
 * The byte reader compares an attribute's key, string value and array with what it read at the
 * same attribute position in earlier spans before it scans them. These bodies put a string that
 * extends, shortens or shares a prefix with the earlier one at that position: the reader must
 * answer as decodeJson does, span by span.
 */

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

function span(attributes: unknown[]): unknown {
  return { traceId: TRACE_ID, spanId: SPAN_ID, kind: 3, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000', attributes };
}

function body(spans: unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] }));
}

const str = (key: string, value: string): unknown => ({ key, value: { stringValue: value } });
const arr = (key: string, values: string[]): unknown => ({ key, value: { arrayValue: { values: values.map((v) => ({ stringValue: v })) } } });

function agrees(b: Buffer): void {
  const fast = readBytes(b);
  expect(fast, 'the byte reader declined a body in the exporters’ layout').toBeDefined();
  expect(fast).toEqual(decodeJson(b));
}

describe('byte reader guesses by attribute position', () => {
  it('reads a key that extends, shortens or differs from the one before at its position', () => {
    const keys = ['http.method', 'http.methodX', 'http.method', 'http.metho', 'http.mEthod', 'http.method', ''];
    agrees(body(keys.map((k) => span([str(k, 'GET'), str('server.address', 'api.example.com')]))));
  });

  it('reads a string value that extends, shortens or differs from the ones that repeated there', () => {
    const values = ['POST', 'POST', 'POSTX', 'POS', 'POST', 'PUT', 'PUT', 'POST', '', '', 'P\\u004fST', 'POST'];
    agrees(body(values.map((v) => span([str('http.request.method', v)]))));
  });

  it('reads an array that extends, shortens or differs from the ones read there before', () => {
    const lists = [['a:string'], ['a:string'], ['a:string', 'b:number'], ['a:string'], ['a:strin'], [], ['a:string', 'b:number'], ['a:string']];
    const decoded = readBytes(body(lists.map((l) => span([arr('egress.request.fields', l)]))));
    expect(decoded).toEqual(decodeJson(body(lists.map((l) => span([arr('egress.request.fields', l)])))));
    expect(decoded?.[0]?.spans.map((s) => s.attributes.get('egress.request.fields'))).toEqual(lists);
  });

  it('reads an attribute whose layout differs from the exporters’ member by member', () => {
    const spans = [span([str('k', 'v')]), span([{ value: { stringValue: 'v2' }, key: 'k' }]), span([str('k', 'v')])];
    expect(readBytes(body(spans))).toEqual(decodeJson(body(spans)));
  });
});
