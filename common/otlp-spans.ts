import { DecodeError } from './errors.js';

/*
 * OTLP trace data as plain spans: what the collector normalises and what `policy check --spans`
 * reads from a recorded file, plus the OTLP/JSON mapping. The protobuf wire reader is
 * collector/otlp-protobuf.ts.
 */

/**
 * An attribute value after decoding; kvlist and bytes values are dropped (egress needs none).
 * An intValue is a number when it is a safe integer and a bigint, exact, when it is not
 * (snowflake-style 19-digit ids), in every decoder: JSON by intAttribute and intOfNumber,
 * protobuf by its varint reader. Where a number is wanted (collector/normalize.ts) a bigint is
 * read as its nearest double, so out of range as before.
 */
export type AttrValue = string | number | bigint | boolean | AttrValue[];
export type Attributes = Map<string, AttrValue>;

/** One span as the collector sees it, whichever encoding it came in. */
export interface DecodedSpan {
  /** Lowercase hex, as both decoders produce it (length is for the consumer to check). */
  traceId: string;
  /** Lowercase hex. */
  spanId: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

/** Spans grouped under the resource that sent them. */
export interface DecodedResourceSpans {
  resource: Attributes;
  spans: DecodedSpan[];
}

/**
 * Deepest nesting of attribute values (AnyValue inside arrayValue or kvlistValue) both decoders
 * take; an attribute's own value is level 1. A request nesting deeper is refused whole (400):
 * OTLP lets a receiver reject a request, nothing egresswatch reads nests more than two levels
 * (lists of field paths), and the bound keeps the decoders' recursion short (50,000 levels
 * overflowed the stack and answered 500). Nested kvlists are not decoded, but their depth counts.
 */
export const MAX_ANY_VALUE_DEPTH = 32;

/**
 * An intValue sent as decimal digits (OTLP/JSON's int64 string; INT64_TEXT-checked): a number if
 * it is a safe integer, else the exact bigint.
 */
export function intAttribute(digits: string): number | bigint {
  const n = Number(digits);
  // Every integer up to 2^53 is a double: a safe result is exact, an unsafe one is not.
  return Number.isSafeInteger(n) ? n : BigInt(digits);
}

/**
 * An intValue sent as an integral JSON number. Past 2^53 the JSON number syntax has already
 * rounded it to the nearest double before any reader saw it: that double is kept, as a bigint,
 * so that it is written with its exact digits as the protobuf varint of the same value is
 * (2^60 as "1152921504606846976", where String(2 ** 60) would say "1152921504606847000").
 */
export const intOfNumber = (n: number): number | bigint => (Number.isSafeInteger(n) ? n : BigInt(n));

/** The sentence both decoders give when a value nests past MAX_ANY_VALUE_DEPTH. */
export const TOO_DEEP = `an attribute value nests arrayValue/kvlistValue more than ${MAX_ANY_VALUE_DEPTH} levels deep; send flatter attributes`;

// ---------------------------------------------------------------- JSON (OTLP/JSON mapping)

/**
 * Decodes an `application/json` ExportTraceServiceRequest (OTLP/JSON: hex ids, lowerCamelCase).
 * V8's `JSON.parse` builds the object graph (it parses without recursion: 10 million nested
 * arrays parse fine) and `spansFromOtlpJson` reads it.
 */
export function decodeJson(body: Buffer): DecodedResourceSpans[] {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (err) {
    // RangeError: a string past V8's length limit, or a stack overflow in some future parser.
    const why = err instanceof RangeError ? `too large or too deeply nested to parse (${err.message})` : (err as Error).message;
    throw new DecodeError(`body is not valid JSON: ${why}`);
  }
  return spansFromOtlpJson(raw);
}

/**
 * Spans from a parsed OTLP/JSON ExportTraceServiceRequest or TracesData (the same shape: what
 * the OTel Collector's file exporter writes, one per line). `what` opens the DecodeError's
 * sentence when it is neither.
 *
 * A hand-written reader rather than a schema library: with zod, `decodeJson` cost ~45 µs a span
 * and blocked the collector for seconds on a large body; now ~10 µs, mostly `JSON.parse`, with
 * ~2.5 µs in this reader (bench:large). It walks only the fields it reads. The
 * OTLP/JSON mapping as read here: lowerCamelCase field names (OTLP says snake_case keys are not
 * valid: they are unknown fields); unknown fields ignored; `null` taken as absent (proto3 JSON);
 * ids as hex strings of any case; int64 as a decimal string or an integral number; enums as
 * numbers or their names; of AnyValue's oneof, the first present of string, bool, int, double,
 * array, kvlist and bytes. A value of the wrong type is a DecodeError naming its path.
 */
export function spansFromOtlpJson(raw: unknown, what = 'body is not an OTLP/JSON ExportTraceServiceRequest'): DecodedResourceSpans[] {
  try {
    return readRequest(raw);
  } catch (err) {
    if (err instanceof ShapeError) throw new DecodeError(`${what}: ${err.path.join('.') || '(top level)'}: ${err.message}`);
    throw err;
  }
}

/** A JSON value of the wrong shape; `path` is filled in as the error passes up the reader. */
class ShapeError extends Error {
  readonly path: (string | number)[] = [];
}

/** Prefixes a ShapeError's path with the container it passes on its way up. */
function inside(err: unknown, ...segments: (string | number)[]): unknown {
  if (err instanceof ShapeError) err.path.unshift(...segments);
  return err;
}

function fail(field: string | number | undefined, message: string): never {
  const err = new ShapeError(message);
  if (field !== undefined) err.path.push(field);
  throw err;
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `v` as an object; `field` names it in the error (none: the position the caller adds). */
function object(v: unknown, field?: string | number): JsonObject {
  if (!isObject(v)) fail(field, `expected an object, got ${typeName(v)}`);
  return v;
}

/** An optional repeated field: absent or null is empty. */
function list(v: unknown, field: string): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(field, `expected an array, got ${typeName(v)}`);
  return v;
}

function readRequest(raw: unknown): DecodedResourceSpans[] {
  const resourceSpans = list(object(raw).resourceSpans, 'resourceSpans');
  const out: DecodedResourceSpans[] = [];
  for (let i = 0; i < resourceSpans.length; i++) {
    try {
      out.push(readResourceSpans(object(resourceSpans[i])));
    } catch (err) {
      throw inside(err, 'resourceSpans', i);
    }
  }
  return out;
}

function readResourceSpans(rs: JsonObject): DecodedResourceSpans {
  let resource: Attributes = new Map();
  if (rs.resource !== undefined && rs.resource !== null) {
    try {
      resource = readAttributes(object(rs.resource).attributes);
    } catch (err) {
      throw inside(err, 'resource');
    }
  }
  const spans: DecodedSpan[] = [];
  const scopeSpans = list(rs.scopeSpans, 'scopeSpans');
  for (let i = 0; i < scopeSpans.length; i++) {
    try {
      readScopeSpans(object(scopeSpans[i]), spans);
    } catch (err) {
      throw inside(err, 'scopeSpans', i);
    }
  }
  return { resource, spans };
}

function readScopeSpans(ss: JsonObject, into: DecodedSpan[]): void {
  const spans = list(ss.spans, 'spans');
  for (let i = 0; i < spans.length; i++) {
    try {
      into.push(readSpan(object(spans[i])));
    } catch (err) {
      throw inside(err, 'spans', i);
    }
  }
}

const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function readSpan(s: JsonObject): DecodedSpan {
  let statusCode = 0;
  if (s.status !== undefined && s.status !== null) {
    try {
      statusCode = enumValue(object(s.status).code, 'code', STATUS_NAMES, -(2 ** 31), 2 ** 31 - 1);
    } catch (err) {
      throw inside(err, 'status');
    }
  }
  return {
    traceId: hexId(s.traceId, 'traceId'),
    spanId: hexId(s.spanId, 'spanId'),
    kind: enumValue(s.kind, 'kind', KIND_NAMES, 0, 5),
    startNs: int64(s.startTimeUnixNano, 'startTimeUnixNano'),
    endNs: int64(s.endTimeUnixNano, 'endTimeUnixNano'),
    attributes: readAttributes(s.attributes),
    statusCode,
  };
}

/** An id as lowercase hex; OTLP/JSON sends ids as hex (not base64, unlike proto3 JSON bytes). */
function hexId(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(field, `expected a hex string, got ${typeName(v)}`);
  let upper = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x41 && c <= 0x46) upper = true;
    else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) fail(field, 'must be a hex string (OTLP/JSON ids are hex, not base64)');
  }
  if (v.length % 2 !== 0) fail(field, 'must be a hex string of whole bytes (an even number of digits)');
  return upper ? v.toLowerCase() : v;
}

function enumValue(v: unknown, field: string, names: Record<string, number>, min: number, max: number): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= min && v <= max) return v;
    fail(field, `must be an integer from ${min} to ${max}`);
  }
  if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v]!;
  return fail(field, `must be a number or one of ${Object.keys(names).join(', ')}`);
}

/** int64 as OTLP/JSON sends it. An int64 has at most 19 digits: longer strings are refused before BigInt reads them. */
const INT64_TEXT = /^-?\d{1,20}$/;

function int64(v: unknown, field: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'string' && INT64_TEXT.test(v)) return BigInt(v);
  // Integral numbers past 2^53 have lost digits in JSON.parse already; taken as sent.
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return fail(field, 'must be an integer (a string of digits or a number)');
}

function readAttributes(v: unknown): Attributes {
  const out: Attributes = new Map();
  const kvs = list(v, 'attributes');
  for (let i = 0; i < kvs.length; i++) {
    try {
      const kv = object(kvs[i]);
      if (typeof kv.key !== 'string') fail('key', `expected a string, got ${typeName(kv.key)}`);
      const value = anyValue(kv.value, 'value', 1);
      if (value !== undefined) out.set(kv.key, value);
    } catch (err) {
      throw inside(err, 'attributes', i);
    }
  }
  return out;
}

/** A value nested past MAX_ANY_VALUE_DEPTH; its path stops at the attribute (the rest is 33 levels of noise). */
class TooDeepError extends ShapeError {}

/** AnyValue at nesting `depth` (1: an attribute's value); undefined for kvlist, bytes and empty values. */
function anyValue(v: unknown, field: string | number, depth: number): AttrValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (depth > MAX_ANY_VALUE_DEPTH) throw new TooDeepError(TOO_DEEP);
  const o = object(v, field);
  try {
    if (o.stringValue != null) {
      if (typeof o.stringValue !== 'string') fail('stringValue', `expected a string, got ${typeName(o.stringValue)}`);
      return o.stringValue;
    }
    if (o.boolValue != null) {
      if (typeof o.boolValue !== 'boolean') fail('boolValue', `expected a boolean, got ${typeName(o.boolValue)}`);
      return o.boolValue;
    }
    if (o.intValue != null) {
      const n = o.intValue;
      if (typeof n === 'number' && Number.isInteger(n)) return intOfNumber(n);
      if (typeof n === 'string' && INT64_TEXT.test(n)) return intAttribute(n);
      fail('intValue', 'must be an integer (a string of digits or a number)');
    }
    if (o.doubleValue != null) {
      // Strings too: proto3 JSON writes NaN and ±Infinity as "NaN", "Infinity", "-Infinity".
      if (typeof o.doubleValue !== 'number' && typeof o.doubleValue !== 'string') fail('doubleValue', `expected a number, got ${typeName(o.doubleValue)}`);
      return Number(o.doubleValue);
    }
    if (o.arrayValue != null) return arrayValue(object(o.arrayValue, 'arrayValue'), depth);
    if (o.kvlistValue != null) {
      kvlistDepth(object(o.kvlistValue, 'kvlistValue'), depth);
      return undefined;
    }
    if (o.bytesValue != null && typeof o.bytesValue !== 'string') fail('bytesValue', `expected a base64 string, got ${typeName(o.bytesValue)}`);
    return undefined;
  } catch (err) {
    throw err instanceof TooDeepError ? err : inside(err, field);
  }
}

function arrayValue(a: JsonObject, depth: number): AttrValue[] {
  const values = list(a.values, 'values');
  const out: AttrValue[] = [];
  for (let i = 0; i < values.length; i++) {
    try {
      const item = anyValue(values[i], i, depth + 1);
      if (item !== undefined) out.push(item);
    } catch (err) {
      throw err instanceof TooDeepError ? err : inside(err, 'arrayValue', 'values');
    }
  }
  return out;
}

/**
 * Holds a kvlist (at `depth`) to MAX_ANY_VALUE_DEPTH. Its contents are not decoded, so nothing
 * else about them is checked; the walk recurses at most MAX_ANY_VALUE_DEPTH levels.
 */
function kvlistDepth(kvlist: JsonObject, depth: number): void {
  const values = kvlist.values;
  if (!Array.isArray(values)) return;
  for (const kv of values as unknown[]) {
    if (isObject(kv)) nestedDepth(kv.value, depth + 1);
  }
}

function nestedDepth(v: unknown, depth: number): void {
  if (!isObject(v)) return;
  if (depth > MAX_ANY_VALUE_DEPTH) throw new TooDeepError(TOO_DEEP);
  if (isObject(v.arrayValue) && Array.isArray(v.arrayValue.values)) {
    for (const item of v.arrayValue.values as unknown[]) nestedDepth(item, depth + 1);
  }
  if (isObject(v.kvlistValue)) kvlistDepth(v.kvlistValue, depth);
}
