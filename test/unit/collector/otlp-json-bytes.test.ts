import { describe, expect, it } from 'vitest';
import { decodeJson, MAX_ANY_VALUE_DEPTH } from '../../../common/otlp-spans.js';
import { seededRandom } from '../../../common/seeded-random.js';
import { decodeOtlpJson, readBytes } from '../../../collector/otlp-json.js';
import { deepJsonRequest } from '../../helpers/otlp-bodies.js';

/*
 * The collector reads OTLP/JSON from the body's bytes (collector/otlp-json.ts) and leaves what it
 * declines to decodeJson. It may decline, never answer differently: wherever it answers,
 * decodeJson must answer the same, and decodeOtlpJson must fail exactly as decodeJson does.
 */

/** decodeJson's answer, or its error's message. */
function reference(body: Buffer): unknown {
  try {
    return decodeJson(body);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function collector(body: Buffer): unknown {
  try {
    return decodeOtlpJson(body);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Holds the byte reader to decodeJson on `body`; true if it answered rather than declined. */
function agrees(body: Buffer): boolean {
  const fast = readBytes(body);
  const expected = reference(body);
  if (fast !== undefined) expect(fast, body.toString()).toEqual(expected);
  expect(collector(body)).toEqual(expected);
  return fast !== undefined;
}

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const oneSpan = (span: string, resource = '{"attributes":[{"key":"service.name","value":{"stringValue":"notify"}}]}'): Buffer =>
  text(`{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"scope":{"name":"t"},"spans":[${span}]}]}]}`);
const withAttr = (value: string): Buffer =>
  oneSpan(`{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}","kind":3,"startTimeUnixNano":"1795000000123456789","endTimeUnixNano":"1795000000223456789","attributes":[{"key":"a","value":${value}}]}`);

describe('OTLP/JSON read from the bytes (collector) against decodeJson', () => {
  it('answers, and answers alike, for what exporters send and the OTLP/JSON edge cases', () => {
    const answered = [
      // The OTel JS exporter's shape: every field it writes, times as strings, intValue as numbers.
      oneSpan(
        `{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}","parentSpanId":"a1b2c3d4e5f60718","name":"POST","kind":3,"startTimeUnixNano":"1795000000123456789","endTimeUnixNano":"1795000000223456789",` +
          `"attributes":[{"key":"http.request.method","value":{"stringValue":"POST"}},{"key":"server.port","value":{"intValue":443}},{"key":"egress.request.fields","value":{"arrayValue":{"values":[{"stringValue":"to:string"},{"stringValue":"body:string"}]}}}],` +
          `"droppedAttributesCount":0,"events":[{"attributes":[],"name":"retry","timeUnixNano":"1795000000123456790","droppedAttributesCount":0}],"droppedEventsCount":0,"status":{"code":2,"message":"boom"},"links":[],"droppedLinksCount":0,"flags":257}`,
      ),
      // int64 as a number and as a string, past 2^53 as both; enums by name; ids of any case.
      oneSpan(`{"traceId":"${TRACE_ID.toUpperCase()}","spanId":"${SPAN_ID}","kind":"SPAN_KIND_CLIENT","startTimeUnixNano":1795000000123456789,"endTimeUnixNano":"-12","status":{"code":"STATUS_CODE_ERROR"}}`),
      oneSpan(`{"startTimeUnixNano":1e18,"endTimeUnixNano":"99999999999999999999","kind":-0}`),
      withAttr('{"intValue":"9007199254740993"}'),
      withAttr('{"intValue":-7}'),
      withAttr('{"intValue":1E3}'),
      withAttr('{"doubleValue":"NaN"}'),
      withAttr('{"doubleValue":"-Infinity"}'),
      withAttr('{"doubleValue":-0.5e-7}'),
      withAttr('{"doubleValue":1e400}'),
      withAttr('{"boolValue":false}'),
      withAttr('{"bytesValue":"AAE="}'),
      withAttr('{}'),
      withAttr('null'),
      withAttr('{"stringValue":null,"intValue":5}'),
      withAttr('{"stringValue":"a","futureValue":{"x":[1,{"y":null}]}}'),
      withAttr('{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":2},{"arrayValue":{"values":[{"boolValue":true}]}},{},null]}}'),
      withAttr('{"arrayValue":{}}'),
      withAttr('{"arrayValue":{"values":null}}'),
      // Escapes, non-ASCII, a lone surrogate, and the byte sequences JSON.parse replaces.
      withAttr('{"stringValue":"tab\\there \\"q\\" \\\\ \\/ \\u00e9 \\ud83d\\ude00 \\ud800 \\b\\f\\n\\r"}'),
      withAttr('{"stringValue":"München 😀 ünïcode"}'),
      Buffer.concat([text('{"resourceSpans":[{"resource":{"attributes":[{"key":"s","value":{"stringValue":"a'), Buffer.from([0xc3, 0x28, 0xff, 0xe2, 0x82]), text('b"}}]}}]}')]),
      // Missing and null fields, unknown ones of every type, whitespace everywhere, empty lists.
      text('{}'),
      text(' \n\t{ "resourceSpans" : [ ] } \r\n'),
      text('{"resourceSpans":null,"resource_spans":[{"scope_spans":[]}]}'),
      text('{"resourceSpans":[{}]}'),
      oneSpan('{}'),
      oneSpan('{"kind":null,"status":null,"attributes":null,"traceId":null,"startTimeUnixNano":null}', 'null'),
      oneSpan('{"futureField":{"a":[1,2.5,-3e-2,true,false,null,"x",{}],"b":[]},"status":{"message":"m"}}'),
      // Ids of the wrong length are the normaliser's to reject, with its reason.
      oneSpan(`{"traceId":"abcd","spanId":""}`),
    ];
    for (const body of answered) expect(agrees(body), body.toString()).toBe(true);
  });

  it('declines what it does not read itself, and the collector then answers as decodeJson', () => {
    const declined = [
      // A key given twice: JSON.parse keeps the last.
      oneSpan(`{"kind":3,"kind":2}`),
      withAttr('{"stringValue":"a","stringValue":null}'),
      // Two values in one AnyValue: decodeJson's precedence.
      withAttr('{"intValue":"x","stringValue":"a"}'),
      withAttr('{"kvlistValue":{"values":[{"key":"x","value":{"stringValue":"y"}}]}}'),
      // A key written with escapes is the same key to JSON.parse.
      oneSpan(`{"kin\\u0064":3}`),
      // Wrong types and values: decodeJson's errors, with their paths.
      oneSpan(`{"traceId":"W47/95gDgQPSabYzgT/GDA=="}`),
      oneSpan(`{"spanId":"abc"}`),
      oneSpan(`{"kind":9}`),
      oneSpan(`{"kind":"CLIENT"}`),
      oneSpan(`{"startTimeUnixNano":"${'1'.repeat(30)}"}`),
      oneSpan(`{"startTimeUnixNano":1.5}`),
      oneSpan(`{"attributes":{"k":"v"}}`),
      oneSpan(`{"attributes":[{"value":{"stringValue":"x"}}]}`),
      withAttr('{"stringValue":5}'),
      withAttr('{"intValue":"1.5"}'),
      withAttr('{"boolValue":"true"}'),
      text('{"resourceSpans":[{"scopeSpans":[null]}]}'),
      text('[]'),
      // Not JSON: the message is JSON.parse's.
      text('{"resourceSpans": ['),
      text('{"resourceSpans":[],}'),
      text('{"resourceSpans":[]} x'),
      text('{"a":01}'),
      text('{"a":"raw\ncontrol"}'),
      text('{"a":"\\x"}'),
      text(''),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('{}')]),
      // Nesting past the bounds.
      deepJsonRequest(MAX_ANY_VALUE_DEPTH + 1, 'arrayValue'),
      deepJsonRequest(50_000, 'arrayValue'),
      text(`{"future":${'['.repeat(1_000)}${']'.repeat(1_000)}}`),
    ];
    for (const body of declined) expect(agrees(body), body.toString().slice(0, 200)).toBe(false);
  });

  it('never answers differently on thousands of generated and mutated bodies', () => {
    const random = seededRandom(17);
    let answered = 0;
    let total = 0;
    for (let i = 0; i < 2_000; i++) {
      // Every other request as an exporter writes it; the rest with odd types, keys and values.
      noise = i % 2 === 0 ? 0 : 1;
      const body = Buffer.from(serialize(request(random), random), 'utf8');
      total++;
      if (agrees(body)) answered++;
      // A few bytes changed, added or cut: mostly invalid JSON, sometimes still a request.
      for (let m = 0; m < 3; m++) {
        total++;
        agrees(mutate(body, random));
      }
    }
    // The generated requests are mostly what exporters send: most must be read here, not declined.
    expect(answered).toBeGreaterThan(800);
    expect(total).toBe(8_000);
  });
});

// ---------------------------------------------------------------- generated bodies

type Random = () => number;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json } | Members;

/** An object as a member list, so that keys can repeat (JSON allows it; JSON.parse keeps the last). */
class Members {
  constructor(readonly members: [string, Json][]) {}
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number): boolean => random() < p;

const STRINGS = ['POST', 'api.stripe.com', 'https://api.stripe.com/v1/charges?x=1', '', 'München', '😀', 'a"b', 'back\\slash', 'line\nbreak', '\u0001', 'ünï', '\ud800', '1795000000123456789', '-42', '12.5', 'NaN', 'Infinity', 'SPAN_KIND_CLIENT', 'STATUS_CODE_OK'];
/** A start time as a JSON number: past 2^53, so JSON.parse (and the byte reader) round it. */
const LOSSY_TIME = Number(1795000000123456789n);
const INTEGERS = [0, -0, 1, 3, 5, 6, -1, 443, 2 ** 31, 2 ** 53 + 2, 1e21, LOSSY_TIME];
const NUMBERS = [...INTEGERS, 1.5, -2.25e-7];

function scalar(random: Random): Json {
  switch (Math.floor(random() * 5)) {
    case 0:
      return pick(random, STRINGS);
    case 1:
      return pick(random, NUMBERS);
    case 2:
      return chance(random, 0.5);
    case 3:
      return null;
    default:
      return chance(random, 0.5) ? [] : {};
  }
}

function unknown(random: Random, depth: number): Json {
  if (depth > 3 || chance(random, 0.6)) return scalar(random);
  if (chance(random, 0.5)) return Array.from({ length: Math.floor(random() * 3) }, () => unknown(random, depth + 1));
  return { x: unknown(random, depth + 1), y: unknown(random, depth + 1) };
}

/** How odd the generated requests are: 0, as exporters write them; 1, with odd types, repeated keys, escapes. */
let noise = 1;
const odd = (random: Random, p: number): boolean => chance(random, p * noise);

/** Mostly the right type, sometimes another. */
const maybe = (random: Random, right: () => Json): Json => (odd(random, 0.07) ? scalar(random) : right());

function anyValue(random: Random, depth: number): Json {
  const members: [string, Json][] = [];
  const kind = Math.floor(random() * 8);
  if (kind === 0) members.push(['stringValue', maybe(random, () => pick(random, STRINGS))]);
  if (kind === 1) members.push(['boolValue', maybe(random, () => chance(random, 0.5))]);
  if (kind === 2) members.push(['intValue', maybe(random, () => (odd(random, 0.2) ? pick(random, [1.5, '1.5', '']) : chance(random, 0.5) ? pick(random, INTEGERS) : pick(random, ['443', '-7', '9007199254740993'])))]);
  if (kind === 3) members.push(['doubleValue', maybe(random, () => (chance(random, 0.7) ? pick(random, NUMBERS) : pick(random, ['NaN', 'Infinity', 'x'])))]);
  if (kind === 4 && depth < 4) members.push(['arrayValue', maybe(random, () => ({ values: Array.from({ length: Math.floor(random() * 4) }, () => anyValue(random, depth + 1)) }))]);
  if (kind === 5 && odd(random, 0.2)) members.push(['kvlistValue', { values: [{ key: 'k', value: anyValue(random, depth + 1) }] }]);
  if (kind === 6) members.push(['bytesValue', maybe(random, () => 'AAE=')]);
  if (odd(random, 0.05)) members.push(['stringValue', null]);
  if (odd(random, 0.03)) members.push(['intValue', 5]);
  if (chance(random, 0.05)) members.push(['future', unknown(random, 1)]);
  return new Members(members);
}

function attributes(random: Random): Json {
  return Array.from({ length: Math.floor(random() * 5) }, () => {
    const kv: [string, Json][] = [];
    if (!odd(random, 0.03)) kv.push(['key', maybe(random, () => pick(random, ['http.request.method', 'server.address', 'a', 'ü', 'egress.request.fields']))]);
    if (!odd(random, 0.05)) kv.push(['value', odd(random, 0.05) ? scalar(random) : anyValue(random, 1)]);
    if (odd(random, 0.05)) kv.push(['key', 'again']);
    return new Members(chance(random, 0.3) ? kv.reverse() : kv);
  });
}

function span(random: Random): Json {
  const fields: [string, () => Json][] = [
    ['traceId', () => maybe(random, () => (odd(random, 0.1) ? pick(random, ['xyz!', 'abc']) : pick(random, [TRACE_ID, TRACE_ID.toUpperCase(), 'abcd', ''])))],
    ['spanId', () => maybe(random, () => SPAN_ID)],
    ['parentSpanId', () => SPAN_ID],
    ['name', () => pick(random, STRINGS)],
    ['kind', () => maybe(random, () => (odd(random, 0.1) ? pick(random, [6, 'CLIENT', 2.5]) : pick(random, [3, 2, 0, 5, 'SPAN_KIND_CLIENT'])))],
    ['startTimeUnixNano', () => maybe(random, () => (odd(random, 0.1) ? pick(random, ['123456789012345678901', 1.5, '1e3']) : pick(random, ['1795000000123456789', LOSSY_TIME, '-5', '0'])))],
    ['endTimeUnixNano', () => maybe(random, () => '1795000000223456789')],
    ['attributes', () => maybe(random, () => attributes(random))],
    ['status', () => maybe(random, () => ({ code: maybe(random, () => (odd(random, 0.1) ? 2 ** 31 : pick(random, [0, 1, 2, 'STATUS_CODE_ERROR']))), message: 'm' }))],
    ['events', () => [{ name: 'e', attributes: attributes(random) }]],
    ['flags', () => 257],
    ['futureField', () => unknown(random, 1)],
  ];
  const members: [string, Json][] = [];
  for (const [key, value] of fields) if (chance(random, 0.9)) members.push([key, value()]);
  if (odd(random, 0.03)) members.push(['kind', 2]);
  for (let i = members.length - 1; i > 0 && chance(random, 0.2); i--) {
    const j = Math.floor(random() * (i + 1));
    [members[i], members[j]] = [members[j]!, members[i]!];
  }
  return new Members(members);
}

function request(random: Random): Json {
  const resourceSpans = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
    resource: maybe(random, () => ({ attributes: attributes(random), droppedAttributesCount: 0 })),
    scopeSpans: maybe(random, () => Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({ scope: { name: 's' }, spans: maybe(random, () => Array.from({ length: Math.floor(random() * 4) }, () => span(random))) }))),
    schemaUrl: '',
  }));
  return { resourceSpans: maybe(random, () => resourceSpans) };
}

/** JSON text with random whitespace, and strings with random escapes (lone surrogates always escaped). */
function serialize(value: Json, random: Random): string {
  const ws = (): string => (chance(random, 0.1) ? pick(random, [' ', '\n', '\t', '\r\n  ']) : '');
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return chance(random, 0.1) && Number.isInteger(value) && Math.abs(value) > 10 ? value.toExponential().replace('+', '') : JSON.stringify(value);
  if (typeof value === 'string') return quote(value, random);
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => serialize(v, random)).join(`${ws()},${ws()}`)}${ws()}]`;
  const members = value instanceof Members ? value.members : Object.entries(value);
  return `{${ws()}${members.map(([k, v]) => `${odd(random, 0.01) ? quote(k, random, 1) : JSON.stringify(k)}${ws()}:${ws()}${serialize(v, random)}`).join(`${ws()},${ws()}`)}${ws()}}`;
}

function quote(s: string, random: Random, escapeRate = 0.002 + 0.03 * noise): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const surrogate = c >= 0xd800 && c <= 0xdfff;
    const pairedHigh = c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pairedHigh && !chance(random, escapeRate)) {
      out += s.slice(i, i + 2);
      i++;
    } else if (c === 0x22 || c === 0x5c) out += '\\' + s[i];
    else if (c < 0x20 || surrogate || chance(random, escapeRate)) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

const NOISE = [0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x22, 0x5c, 0x61, 0x30, 0x31, 0x2d, 0x2e, 0x65, 0x20, 0x0a, 0x01, 0xff, 0xc3, 0x6e, 0x74];

function mutate(body: Buffer, random: Random): Buffer {
  const at = Math.floor(random() * body.length);
  const noise = Buffer.from([pick(random, NOISE)]);
  switch (Math.floor(random() * 4)) {
    case 0:
      return Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
    case 1:
      return Buffer.concat([body.subarray(0, at), noise, body.subarray(at)]);
    case 2:
      return Buffer.concat([body.subarray(0, at), noise, body.subarray(at + 1)]);
    default:
      return body.subarray(0, at);
  }
}
