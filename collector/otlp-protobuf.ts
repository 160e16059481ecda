import protobuf from 'protobufjs';
import { BoundedCache } from '../common/bounded-cache.js';
import { DecodeError } from '../common/errors.js';
import { MAX_ANY_VALUE_DEPTH, TOO_DEEP, type AttrValue, type Attributes, type DecodedResourceSpans, type DecodedSpan } from '../common/otlp-spans.js';

/**
 * Decodes an `application/x-protobuf` ExportTraceServiceRequest straight into the collector's
 * own shapes with protobufjs's wire Reader. Field numbers are those of opentelemetry-proto, as
 * in otlp-schema.ts. Reading the wire directly (instead of `Type.decode` and then converting)
 * builds no intermediate message objects and never decodes what egresswatch does not read
 * (span names, events, links, kvlist and bytes values): the decoder was a third of the
 * collector's CPU and most of its garbage. Fields with an unexpected wire type are skipped, as
 * a generated decoder would skip unknown ones. Recursion is bounded: attribute values nest at
 * most MAX_ANY_VALUE_DEPTH levels, and groups (wire types 3 and 4, which protobufjs skips
 * recursively and OTLP never uses) are refused.
 */
export function decodeProtobuf(body: Uint8Array): DecodedResourceSpans[] {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  try {
    return readRequest(protobuf.Reader.create(buf), buf);
  } catch (err) {
    if (err instanceof TooDeepError) throw new DecodeError(`OTLP protobuf body refused: ${err.message}`);
    throw new DecodeError(`body is not a valid OTLP ExportTraceServiceRequest (protobuf): ${(err as Error).message}`);
  }
}

type Reader = protobuf.Reader;

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const START_GROUP = 3;
const END_GROUP = 4;

/** Skips a field of an unknown wire type; groups are refused, not skipped level by level. */
function skip(r: Reader, wireType: number): void {
  if (wireType === START_GROUP || wireType === END_GROUP) throw new RangeError(`wire type ${wireType} (group) at offset ${r.pos}: OTLP messages have no groups`);
  r.skipType(wireType);
}

/** The tag of field `field` with wire type `wireType`. */
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

/** End offset of the length-delimited field at the reader's position. */
function end(r: Reader): number {
  const length = r.uint32();
  const stop = r.pos + length;
  if (stop > r.len) throw new RangeError(`field length ${length} runs past the end of the body`);
  return stop;
}

/** ExportTraceServiceRequest: 1 resource_spans. */
function readRequest(r: Reader, buf: Buffer): DecodedResourceSpans[] {
  const out: DecodedResourceSpans[] = [];
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === tag(1, LEN)) out.push(readResourceSpans(r, end(r), buf));
    else skip(r, t & 7);
  }
  return out;
}

/** ResourceSpans: 1 resource, 2 scope_spans (ScopeSpans: 2 spans). */
function readResourceSpans(r: Reader, stop: number, buf: Buffer): DecodedResourceSpans {
  const resource: Attributes = new Map();
  const spans: DecodedSpan[] = [];
  while (r.pos < stop) {
    const t = r.uint32();
    if (t === tag(1, LEN)) {
      // Resource: 1 attributes.
      const resourceEnd = end(r);
      while (r.pos < resourceEnd) {
        const rt = r.uint32();
        if (rt === tag(1, LEN)) readKeyValue(r, end(r), resource, buf);
        else skip(r, rt & 7);
      }
    } else if (t === tag(2, LEN)) {
      const scopeEnd = end(r);
      while (r.pos < scopeEnd) {
        const st = r.uint32();
        if (st === tag(2, LEN)) spans.push(readSpan(r, end(r), buf));
        else skip(r, st & 7);
      }
    } else skip(r, t & 7);
  }
  return { resource, spans };
}

/** Span: 1 trace_id, 2 span_id, 6 kind, 7 start, 8 end, 9 attributes, 15 status (3 code). */
function readSpan(r: Reader, stop: number, buf: Buffer): DecodedSpan {
  const span: DecodedSpan = { traceId: '', spanId: '', kind: 0, startNs: 0n, endNs: 0n, attributes: new Map(), statusCode: 0 };
  while (r.pos < stop) {
    const t = r.uint32();
    switch (t) {
      case tag(1, LEN):
        span.traceId = hex(r, buf);
        break;
      case tag(2, LEN):
        span.spanId = hex(r, buf);
        break;
      case tag(6, VARINT):
        span.kind = r.int32();
        break;
      case tag(7, FIXED64):
        span.startNs = fixed64(r);
        break;
      case tag(8, FIXED64):
        span.endNs = fixed64(r);
        break;
      case tag(9, LEN):
        readKeyValue(r, end(r), span.attributes, buf);
        break;
      case tag(15, LEN): {
        const statusEnd = end(r);
        while (r.pos < statusEnd) {
          const st = r.uint32();
          if (st === tag(3, VARINT)) span.statusCode = r.int32();
          else skip(r, st & 7);
        }
        break;
      }
      default:
        skip(r, t & 7);
    }
  }
  return span;
}

/** KeyValue: 1 key, 2 value. Sets `key → value` unless the value is one egresswatch ignores. */
function readKeyValue(r: Reader, stop: number, into: Attributes, buf: Buffer): void {
  let key = '';
  let value: AttrValue | undefined;
  while (r.pos < stop) {
    const t = r.uint32();
    if (t === tag(1, LEN)) key = readString(r, buf);
    else if (t === tag(2, LEN)) value = readAnyValue(r, end(r), buf, 1);
    else skip(r, t & 7);
  }
  if (value !== undefined) into.set(key, value);
}

/**
 * Field lists (`egress.request.fields` and friends) repeat span after span with the same
 * bytes: each distinct list is decoded once and the (frozen) array shared.
 */
const arrayCache = new BoundedCache<string, readonly AttrValue[]>(4_096);
/** Shorter arrays are cheaper to decode than to look up; longer ones would make the cache big. */
const MIN_CACHED_ARRAY_BYTES = 8;
const MAX_CACHED_ARRAY_BYTES = 4_096;

/**
 * AnyValue at nesting `depth` (1: an attribute's value): 1 string, 2 bool, 3 int, 4 double,
 * 5 array; kvlist (6) is walked only for its depth, bytes (7) not read.
 */
function readAnyValue(r: Reader, stop: number, buf: Buffer, depth: number): AttrValue | undefined {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new TooDeepError(TOO_DEEP);
  let value: AttrValue | undefined;
  while (r.pos < stop) {
    const t = r.uint32();
    switch (t) {
      case tag(1, LEN):
        value = readString(r, buf);
        break;
      case tag(2, VARINT):
        value = r.bool();
        break;
      case tag(3, VARINT):
        value = int64(r, buf);
        break;
      case tag(4, FIXED64):
        value = r.double();
        break;
      case tag(5, LEN): {
        const arrayEnd = end(r);
        const bytes = arrayEnd - r.pos;
        // Only attribute values are cached: a cached list was checked for depth at level 1.
        if (depth > 1 || bytes < MIN_CACHED_ARRAY_BYTES || bytes > MAX_CACHED_ARRAY_BYTES) {
          value = readArrayValue(r, arrayEnd, buf, depth);
        } else {
          const start = r.pos;
          value = arrayCache.get(buf.toString('latin1', start, arrayEnd), () => Object.freeze(readArrayValue(r, arrayEnd, buf, depth))) as AttrValue[];
          r.pos = arrayEnd;
        }
        break;
      }
      case tag(6, LEN):
        kvlistDepth(r, end(r), depth);
        break;
      default:
        skip(r, t & 7);
    }
  }
  return value;
}

/** ArrayValue (of an AnyValue at `depth`): 1 values. */
function readArrayValue(r: Reader, stop: number, buf: Buffer, depth: number): AttrValue[] {
  const out: AttrValue[] = [];
  while (r.pos < stop) {
    const t = r.uint32();
    if (t === tag(1, LEN)) {
      const item = readAnyValue(r, end(r), buf, depth + 1);
      if (item !== undefined) out.push(item);
    } else skip(r, t & 7);
  }
  return out;
}

/**
 * KeyValueList (of an AnyValue at `depth`): 1 values (KeyValue: 2 value). Not decoded (egress
 * needs no maps); walked only to hold its values to MAX_ANY_VALUE_DEPTH, as the JSON reader does.
 */
function kvlistDepth(r: Reader, stop: number, depth: number): void {
  while (r.pos < stop) {
    const t = r.uint32();
    if (t !== tag(1, LEN)) {
      skip(r, t & 7);
      continue;
    }
    const kvEnd = end(r);
    while (r.pos < kvEnd) {
      const kt = r.uint32();
      if (kt === tag(2, LEN)) anyValueDepth(r, end(r), depth + 1);
      else skip(r, kt & 7);
    }
  }
}

/** An AnyValue at `depth` inside a kvlist: only its nesting is looked at. */
function anyValueDepth(r: Reader, stop: number, depth: number): void {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new TooDeepError(TOO_DEEP);
  while (r.pos < stop) {
    const t = r.uint32();
    if (t === tag(5, LEN)) {
      const arrayEnd = end(r);
      while (r.pos < arrayEnd) {
        const at = r.uint32();
        if (at === tag(1, LEN)) anyValueDepth(r, end(r), depth + 1);
        else skip(r, at & 7);
      }
    } else if (t === tag(6, LEN)) kvlistDepth(r, end(r), depth);
    else skip(r, t & 7);
  }
}

/** A value nested past MAX_ANY_VALUE_DEPTH: its own sentence, not "not valid protobuf". */
class TooDeepError extends Error {}

/**
 * Attribute keys and most values ('POST', host names, route templates, service names) repeat
 * span after span. A short ASCII string is looked up by a hash of its bytes and, when the bytes
 * match, the string decoded earlier is reused: no call into the UTF-8 decoder and nothing new
 * for the garbage collector. Anything else is decoded as usual.
 */
const internedStrings = new Map<number, string>();
const MAX_INTERNED = 8_192;
const MAX_INTERNED_BYTES = 64;

function readString(r: Reader, buf: Buffer): string {
  const stop = end(r);
  const start = r.pos;
  r.pos = stop;
  if (stop - start > MAX_INTERNED_BYTES) return buf.toString('utf8', start, stop);
  let hash = stop - start;
  let ascii = true;
  for (let i = start; i < stop; i++) {
    const byte = buf[i]!;
    if (byte >= 0x80) ascii = false;
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  if (!ascii) return buf.toString('utf8', start, stop);
  const known = internedStrings.get(hash);
  if (known !== undefined && sameAscii(known, buf, start, stop)) return known;
  const value = buf.toString('latin1', start, stop);
  if (internedStrings.size >= MAX_INTERNED) internedStrings.clear();
  internedStrings.set(hash, value);
  return value;
}

function sameAscii(text: string, buf: Buffer, start: number, stop: number): boolean {
  if (text.length !== stop - start) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

function hex(r: Reader, buf: Buffer): string {
  const stop = end(r);
  const id = buf.toString('hex', r.pos, stop);
  r.pos = stop;
  return id;
}

/** fixed64, little-endian, as an exact bigint. */
function fixed64(r: Reader): bigint {
  const low = r.fixed32();
  const high = r.fixed32();
  return (BigInt(high) << 32n) | BigInt(low);
}

/**
 * A varint int64 (sizes, ports, status codes, ids): a number if a safe integer, else the exact
 * bigint (as the JSON readers). protobufjs reads and checks the varint; past 2^53, where its
 * number (or a Long's high * 2^32 + low) is rounded but never below 2^53, the bytes are read again.
 */
function int64(r: Reader, buf: Buffer): number | bigint {
  const start = r.pos;
  const v = r.int64() as number | { low: number; high: number };
  const n = typeof v === 'number' ? v : v.high * 2 ** 32 + (v.low >>> 0);
  if (Number.isSafeInteger(n)) return n;
  let bits = 0n;
  for (let i = r.pos - 1; i >= start; i--) bits = (bits << 7n) | BigInt(buf[i]! & 0x7f);
  return BigInt.asIntN(64, bits);
}
