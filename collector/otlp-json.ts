import { decodeJson, type AttrValue, type Attributes, type DecodedResourceSpans, type DecodedSpan } from '../common/otlp-spans.js';
import { anyValue, INT64_TEXT } from './otlp-json-any-value.js';
import { JsonCursor, once } from './otlp-json-cursor.js';
import { BACKSLASH, decline, isDigit, MINUS, QUOTE } from './otlp-json-scanner.js';
import { readCompactAttribute } from './otlp-json-layout.js';

/**
 * Decodes an `application/json` ExportTraceServiceRequest for the collector: read straight from
 * the body's bytes into the collector's spans when the body is what exporters send, else by
 * `decodeJson` (`JSON.parse` and the OTLP/JSON reader in common/otlp-spans.ts), which decides
 * every answer this reader declines.
 *
 * Why a second reader: `JSON.parse` builds the whole request as objects first (~40 per span),
 * and parsing, walking and collecting them cost ~11 µs a span against ~4 µs for the protobuf
 * wire reader, most of the collector's extra CPU on OTLP/JSON (bench:ingest). This one builds
 * only the spans, reuses repeated strings and field lists as the protobuf reader does, and skips
 * what it does not read while still checking that it is JSON.
 *
 * It may decline, never answer differently: it takes only bodies that are valid JSON with one
 * value per known field, and gives up (and `decodeJson` reads the body again) on anything else:
 * invalid JSON, a field of the wrong type or out of range, a key repeated or written with escapes,
 * an AnyValue with two values set, a kvlistValue, nesting past MAX_ANY_VALUE_DEPTH (or past
 * SKIP_DEPTH in fields it skips). So errors, their sentences and every edge of the OTLP/JSON
 * mapping are decodeJson's; test/unit/collector/otlp-json-bytes.test.ts holds the two readers to
 * the same answers on edge cases and on thousands of mutated bodies.
 *
 * The reader's parts: otlp-json-scanner.ts and otlp-json-cursor.ts (JSON on the body's bytes),
 * this file (the request, resource, scope and span fields), otlp-json-any-value.ts (attribute
 * values member by member) and otlp-json-layout.ts (attributes in the exporters' layout,
 * matched byte for byte).
 */
export function decodeOtlpJson(body: Buffer): DecodedResourceSpans[] {
  return readBytes(body) ?? decodeJson(body);
}

/** One body at a time, synchronously: the cursor is made once and pointed at each body. */
const cursor = new JsonCursor();

/** The spans of `body`, or undefined when this reader declines it. */
export function readBytes(body: Buffer): DecodedResourceSpans[] | undefined {
  cursor.reset(body);
  try {
    return readRequest(cursor);
  } catch {
    // DECLINE, or anything unforeseen (a stack overflow): decodeJson gives the answer.
    return undefined;
  } finally {
    cursor.release();
  }
}

function readRequest(c: JsonCursor): DecodedResourceSpans[] {
  c.ws();
  c.openObject();
  let out: DecodedResourceSpans[] = [];
  let seen = false;
  for (let first = true; c.nextMember(first); first = false) {
    if (c.keyIs('resourceSpans')) {
      if (seen) decline();
      seen = true;
      out = [];
      if (!c.isNull() && c.openArray()) {
        do out.push(readResourceSpans(c));
        while (c.nextElement());
      }
    } else c.skipValue(1);
    c.ws();
  }
  if (c.pos !== c.len) decline();
  return out;
}

function readResourceSpans(c: JsonCursor): DecodedResourceSpans {
  const resource: Attributes = new Map();
  const spans: DecodedSpan[] = [];
  let seen = 0;
  c.openObject();
  for (let first = true; c.nextMember(first); first = false) {
    if (c.keyIs('resource')) {
      seen = once(seen, 1);
      if (!c.isNull()) {
        c.openObject();
        let attributes = 0;
        for (let firstInner = true; c.nextMember(firstInner); firstInner = false) {
          if (c.keyIs('attributes')) {
            attributes = once(attributes, 1);
            readAttributes(c, resource);
          } else c.skipValue(1);
          c.ws();
        }
      }
    } else if (c.keyIs('scopeSpans')) {
      seen = once(seen, 2);
      if (!c.isNull() && c.openArray()) {
        do readScopeSpans(c, spans);
        while (c.nextElement());
      }
    } else c.skipValue(1);
    c.ws();
  }
  return { resource, spans };
}

function readScopeSpans(c: JsonCursor, into: DecodedSpan[]): void {
  let seen = 0;
  c.openObject();
  for (let first = true; c.nextMember(first); first = false) {
    if (c.keyIs('spans')) {
      seen = once(seen, 1);
      if (!c.isNull() && c.openArray()) {
        do into.push(readSpan(c));
        while (c.nextElement());
      }
    } else c.skipValue(1);
    c.ws();
  }
}

const KIND_NAMES = new Map([
  ['SPAN_KIND_UNSPECIFIED', 0],
  ['SPAN_KIND_INTERNAL', 1],
  ['SPAN_KIND_SERVER', 2],
  ['SPAN_KIND_CLIENT', 3],
  ['SPAN_KIND_PRODUCER', 4],
  ['SPAN_KIND_CONSUMER', 5],
]);
const STATUS_NAMES = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
]);

function readSpan(c: JsonCursor): DecodedSpan {
  const span: DecodedSpan = { traceId: '', spanId: '', kind: 0, startNs: 0n, endNs: 0n, attributes: new Map(), statusCode: 0 };
  let seen = 0;
  c.openObject();
  for (let first = true; c.nextMember(first); first = false) {
    switch (c.keyLength) {
      case 7:
        if (c.keyIs('traceId')) {
          seen = once(seen, 1);
          span.traceId = hexId(c);
        } else c.skipValue(1);
        break;
      case 6:
        if (c.keyIs('spanId')) {
          seen = once(seen, 2);
          span.spanId = hexId(c);
        } else if (c.keyIs('status')) {
          seen = once(seen, 4);
          span.statusCode = readStatus(c);
        } else c.skipValue(1);
        break;
      case 4:
        if (c.keyIs('kind')) {
          seen = once(seen, 8);
          span.kind = enumValue(c, KIND_NAMES, 0, 5);
        } else c.skipValue(1);
        break;
      case 17:
        if (c.keyIs('startTimeUnixNano')) {
          seen = once(seen, 16);
          span.startNs = int64(c);
        } else c.skipValue(1);
        break;
      case 15:
        if (c.keyIs('endTimeUnixNano')) {
          seen = once(seen, 32);
          span.endNs = int64(c);
        } else c.skipValue(1);
        break;
      case 10:
        if (c.keyIs('attributes')) {
          seen = once(seen, 64);
          readAttributes(c, span.attributes);
        } else c.skipValue(1);
        break;
      default:
        c.skipValue(1);
    }
    c.ws();
  }
  return span;
}

function readStatus(c: JsonCursor): number {
  if (c.isNull()) return 0;
  let code = 0;
  let seen = 0;
  c.openObject();
  for (let first = true; c.nextMember(first); first = false) {
    if (c.keyIs('code')) {
      seen = once(seen, 1);
      code = enumValue(c, STATUS_NAMES, -(2 ** 31), 2 ** 31 - 1);
    } else c.skipValue(1);
    c.ws();
  }
  return code;
}

/** An id: hex digits of either case, an even number of them, as lowercase hex. */
function hexId(c: JsonCursor): string {
  if (c.isNull()) return '';
  const buf = c.buf;
  const len = c.len;
  const quote = c.pos;
  if (buf[quote] !== QUOTE) decline();
  const start = quote + 1;
  let pos = start;
  let upper = false;
  for (;;) {
    if (pos >= len) decline();
    const b = buf[pos]!;
    if (b === QUOTE) break;
    if (b === BACKSLASH) return escapedHexId(c, quote);
    if (b >= 0x41 && b <= 0x46) upper = true;
    else if (!((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66))) decline();
    pos++;
  }
  c.pos = pos + 1;
  if ((pos - start) % 2 !== 0) decline();
  const id = buf.toString('latin1', start, pos);
  return upper ? id.toLowerCase() : id;
}

/** An id written with escapes (valid JSON, if odd): read as a string, then held to the same rules. */
function escapedHexId(c: JsonCursor, quote: number): string {
  c.pos = quote;
  const id = c.readString();
  if (id.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(id)) decline();
  return id.toLowerCase();
}

function enumValue(c: JsonCursor, names: ReadonlyMap<string, number>, min: number, max: number): number {
  if (c.isNull()) return 0;
  if (c.buf[c.pos] === QUOTE) return names.get(c.readString()) ?? decline();
  const v = c.readNumber();
  if (!Number.isInteger(v) || v < min || v > max) decline();
  return v;
}

function int64(c: JsonCursor): bigint {
  if (c.isNull()) return 0n;
  if (c.buf[c.pos] === QUOTE) return int64Text(c);
  const v = c.readNumber();
  if (!Number.isInteger(v)) decline();
  return BigInt(v);
}

const E15 = 1_000_000_000_000_000n;

/**
 * At `"`: a quoted int64 (INT64_TEXT) read from its digits. Times come this way, two unique
 * 19-digit strings a span: no string is made for them (nor interned).
 */
function int64Text(c: JsonCursor): bigint {
  const buf = c.buf;
  const quote = c.pos;
  let pos = quote + 1;
  const negative = buf[pos] === MINUS;
  if (negative) pos++;
  const digits = pos;
  while (isDigit(buf[pos])) pos++;
  const count = pos - digits;
  if (buf[pos] === BACKSLASH) {
    c.pos = quote;
    const text = c.readString();
    if (!INT64_TEXT.test(text)) decline();
    return BigInt(text);
  }
  if (buf[pos] !== QUOTE || count < 1 || count > 20) decline();
  c.pos = pos + 1;
  let value: bigint;
  if (count <= 15) value = BigInt(digitsValue(buf, digits, digits + count));
  else value = BigInt(digitsValue(buf, digits, digits + count - 15)) * E15 + BigInt(digitsValue(buf, digits + count - 15, digits + count));
  return negative ? -value : value;
}

/** The value of 1 to 15 ASCII digits. */
function digitsValue(buf: Buffer, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + (buf[i]! - 0x30);
  return value;
}

/** An attribute list: each in the exporters' layout (otlp-json-layout.ts) or else member by member. */
function readAttributes(c: JsonCursor, into: Attributes): void {
  if (c.isNull() || !c.openArray()) return;
  let index = 0;
  do {
    if (readCompactAttribute(c, into, index++)) continue;
    let key: string | undefined;
    let value: AttrValue | undefined;
    let seen = 0;
    c.openObject();
    for (let first = true; c.nextMember(first); first = false) {
      if (c.keyIs('key')) {
        seen = once(seen, 1);
        if (c.buf[c.pos] !== QUOTE) decline();
        key = c.readString();
      } else if (c.keyIs('value')) {
        seen = once(seen, 2);
        value = anyValue(c, 1);
      } else c.skipValue(1);
      c.ws();
    }
    if (key === undefined) decline();
    if (value !== undefined) into.set(key, value);
  } while (c.nextElement());
}
