import { decodeJson, MAX_ANY_VALUE_DEPTH, type AttrValue, type Attributes, type DecodedResourceSpans, type DecodedSpan } from '../common/otlp-spans.js';

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
 */
export function decodeOtlpJson(body: Buffer): DecodedResourceSpans[] {
  return readBytes(body) ?? decodeJson(body);
}

/** The spans of `body`, or undefined when this reader declines it. */
export function readBytes(body: Buffer): DecodedResourceSpans[] | undefined {
  buf = body;
  view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  pos = 0;
  len = body.length;
  try {
    return readRequest();
  } catch {
    // DECLINE, or anything unforeseen (a stack overflow): decodeJson gives the answer.
    return undefined;
  } finally {
    buf = EMPTY;
    view = EMPTY_VIEW;
  }
}

// The reader's cursor: one body at a time, synchronously, so module state rather than an object
// passed around (fewer loads per byte).
const EMPTY = Buffer.alloc(0);
let buf: Buffer = EMPTY;
/** `buf` four bytes at a time, for comparing byte strings known in advance. */
const EMPTY_VIEW: DataView = new DataView(new ArrayBuffer(0));
let view = EMPTY_VIEW;
let pos = 0;
let len = 0;

/** Thrown to give the body to decodeJson; made once, so declining captures no stack. */
const DECLINE = new Error('declined: read by decodeJson');
function decline(): never {
  throw DECLINE;
}

/** Unknown fields nest at most this deep here; deeper ones are decodeJson's (JSON.parse takes any depth). */
const SKIP_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;

function ws(): void {
  while (pos < len) {
    const c = buf[pos]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
    else return;
  }
}

// ---------------------------------------------------------------- objects and arrays

let keyStart = 0;
let keyLength = 0;

/** At `{`: steps in. `nextMember(true)` then reads the first key. */
function openObject(): void {
  if (buf[pos] !== LBRACE) decline();
  pos++;
  ws();
}

/**
 * Reads the next member's key (into keyStart/keyLength) and its colon, leaving `pos` at the
 * value; false at the closing `}`, which it steps over. Keys with escapes are declined.
 */
function nextMember(first: boolean): boolean {
  if (pos >= len) decline();
  if (buf[pos] === RBRACE) {
    pos++;
    ws();
    return false;
  }
  if (!first) {
    if (buf[pos] !== COMMA) decline();
    pos++;
    ws();
  }
  if (buf[pos] !== QUOTE) decline();
  const start = ++pos;
  for (;;) {
    if (pos >= len) decline();
    const c = buf[pos]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH || c < 0x20) decline();
    pos++;
  }
  keyStart = start;
  keyLength = pos - start;
  pos++;
  ws();
  if (buf[pos] !== COLON) decline();
  pos++;
  ws();
  return true;
}

/** Whether the current key is `word` (ASCII). */
function keyIs(word: string): boolean {
  if (keyLength !== word.length) return false;
  for (let i = 0; i < keyLength; i++) if (buf[keyStart + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** After a member's value: whitespace. */
function afterValue(): void {
  ws();
}

/** At `[`: steps in; false if the array is empty (and stepped over). */
function openArray(): boolean {
  if (buf[pos] !== LBRACKET) decline();
  pos++;
  ws();
  if (buf[pos] === RBRACKET) {
    pos++;
    ws();
    return false;
  }
  return true;
}

/** After an element: true if another follows (the comma stepped over), false at `]` (stepped over). */
function nextElement(): boolean {
  ws();
  const c = buf[pos];
  if (c === COMMA) {
    pos++;
    ws();
    return true;
  }
  if (c !== RBRACKET) decline();
  pos++;
  ws();
  return false;
}

/** At a value: true (and stepped over) if it is `null`. */
function isNull(): boolean {
  if (buf[pos] !== 0x6e) return false;
  literal('null');
  return true;
}

function literal(word: string): void {
  if (pos + word.length > len) decline();
  for (let i = 0; i < word.length; i++) if (buf[pos + i] !== word.charCodeAt(i)) decline();
  pos += word.length;
}

/** Steps over any JSON value, checking it is JSON; `depth` bounds nesting (then declines). */
function skipValue(depth: number): void {
  const c = buf[pos];
  if (c === QUOTE) skipString();
  else if (c === LBRACE) {
    if (depth > SKIP_DEPTH) decline();
    openObject();
    for (let first = true; nextMember(first); first = false) {
      skipValue(depth + 1);
      afterValue();
    }
    return;
  } else if (c === LBRACKET) {
    if (depth > SKIP_DEPTH) decline();
    if (!openArray()) return;
    do skipValue(depth + 1);
    while (nextElement());
    return;
  } else if (c === 0x74) literal('true');
  else if (c === 0x66) literal('false');
  else if (c === 0x6e) literal('null');
  else readNumber();
  ws();
}

// ---------------------------------------------------------------- strings and numbers

/** At `"`: steps over a string, checking its escapes. */
function skipString(): void {
  pos++;
  while (pos < len) {
    const c = buf[pos]!;
    if (c === QUOTE) {
      pos++;
      return;
    }
    if (c < 0x20) decline();
    if (c === BACKSLASH) escapeAt(pos);
    else pos++;
  }
  decline();
}

let escaped = '';

/** Reads the escape at `at` (a backslash) into `escaped` and moves `pos` past it. */
function escapeAt(at: number): void {
  const e = buf[at + 1];
  switch (e) {
    case 0x22:
    case 0x5c:
    case 0x2f:
      escaped = String.fromCharCode(e);
      break;
    case 0x62:
      escaped = '\b';
      break;
    case 0x66:
      escaped = '\f';
      break;
    case 0x6e:
      escaped = '\n';
      break;
    case 0x72:
      escaped = '\r';
      break;
    case 0x74:
      escaped = '\t';
      break;
    case 0x75: {
      let code = 0;
      for (let i = at + 2; i < at + 6; i++) {
        const h = buf[i];
        const digit = h === undefined ? -1 : h >= 0x30 && h <= 0x39 ? h - 0x30 : h >= 0x61 && h <= 0x66 ? h - 0x57 : h >= 0x41 && h <= 0x46 ? h - 0x37 : -1;
        if (digit < 0) decline();
        code = code * 16 + digit;
      }
      // One UTF-16 unit, as JSON.parse gives it (a lone surrogate stays one).
      escaped = String.fromCharCode(code);
      pos = at + 6;
      return;
    }
    default:
      decline();
  }
  pos = at + 2;
}

/**
 * Attribute keys and most values repeat span after span: a short ASCII string is looked up by a
 * hash of its bytes and the string made earlier reused (as the protobuf reader does).
 */
const interned = new Map<number, string>();
const MAX_INTERNED = 8_192;
const MAX_INTERNED_BYTES = 64;

/** Whether readString's last string was one it had interned before: plain ASCII that repeats. */
let repeated = false;

/** At `"`: the string, unescaped. */
function readString(): string {
  repeated = false;
  const start = ++pos;
  let hash = 0;
  let ascii = true;
  for (;;) {
    if (pos >= len) decline();
    const c = buf[pos]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH) return readEscapedString(start);
    if (c < 0x20) decline();
    if (c >= 0x80) ascii = false;
    hash = (Math.imul(hash, 31) + c) | 0;
    pos++;
  }
  const stop = pos++;
  if (!ascii) return buf.toString('utf8', start, stop);
  if (stop - start > MAX_INTERNED_BYTES) return buf.toString('latin1', start, stop);
  const known = interned.get(hash);
  if (known !== undefined && sameAscii(known, start, stop)) {
    repeated = true;
    return known;
  }
  const value = buf.toString('latin1', start, stop);
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(hash, value);
  return value;
}

/** The rest of a string that holds escapes; raw runs between them are UTF-8 (a backslash never splits a character). */
function readEscapedString(start: number): string {
  let out = '';
  let run = start;
  while (pos < len) {
    const c = buf[pos]!;
    if (c === QUOTE) {
      out += buf.toString('utf8', run, pos);
      pos++;
      return out;
    }
    if (c < 0x20) decline();
    if (c === BACKSLASH) {
      out += buf.toString('utf8', run, pos);
      escapeAt(pos);
      out += escaped;
      run = pos;
    } else pos++;
  }
  return decline();
}

function sameAscii(text: string, start: number, stop: number): boolean {
  if (text.length !== stop - start) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** At a number: its value, as JSON.parse gives it; anything that is not a JSON number declines. */
function readNumber(): number {
  const start = pos;
  if (buf[pos] === MINUS) pos++;
  const first = buf[pos];
  if (first === 0x30) pos++;
  else if (first !== undefined && first >= 0x31 && first <= 0x39) {
    pos++;
    while (isDigit(buf[pos])) pos++;
  } else decline();
  let integer = true;
  if (buf[pos] === 0x2e) {
    integer = false;
    pos++;
    if (!isDigit(buf[pos])) decline();
    while (isDigit(buf[pos])) pos++;
  }
  const e = buf[pos];
  if (e === 0x65 || e === 0x45) {
    integer = false;
    pos++;
    if (buf[pos] === 0x2b || buf[pos] === MINUS) pos++;
    if (!isDigit(buf[pos])) decline();
    while (isDigit(buf[pos])) pos++;
  }
  // Short integers (ports, sizes, status codes, enums) without a string in between.
  if (integer && pos - start <= 15) {
    let value = 0;
    const negative = buf[start] === MINUS;
    for (let i = negative ? start + 1 : start; i < pos; i++) value = value * 10 + (buf[i]! - 0x30);
    return negative ? -value : value;
  }
  return Number(buf.toString('latin1', start, pos));
}

// ---------------------------------------------------------------- the OTLP/JSON mapping

function readRequest(): DecodedResourceSpans[] {
  ws();
  openObject();
  let out: DecodedResourceSpans[] = [];
  let seen = false;
  for (let first = true; nextMember(first); first = false) {
    if (keyIs('resourceSpans')) {
      if (seen) decline();
      seen = true;
      out = [];
      if (!isNull() && openArray()) {
        do out.push(readResourceSpans());
        while (nextElement());
      }
    } else skipValue(1);
    afterValue();
  }
  if (pos !== len) decline();
  return out;
}

function readResourceSpans(): DecodedResourceSpans {
  const resource: Attributes = new Map();
  const spans: DecodedSpan[] = [];
  let seen = 0;
  openObject();
  for (let first = true; nextMember(first); first = false) {
    if (keyIs('resource')) {
      seen = once(seen, 1);
      if (!isNull()) {
        openObject();
        let attributes = 0;
        for (let firstInner = true; nextMember(firstInner); firstInner = false) {
          if (keyIs('attributes')) {
            attributes = once(attributes, 1);
            readAttributes(resource);
          } else skipValue(1);
          afterValue();
        }
      }
    } else if (keyIs('scopeSpans')) {
      seen = once(seen, 2);
      if (!isNull() && openArray()) {
        do readScopeSpans(spans);
        while (nextElement());
      }
    } else skipValue(1);
    afterValue();
  }
  return { resource, spans };
}

/** `seen` with `bit` set; declines if it already was (a key given twice: JSON.parse keeps the last, decodeJson decides). */
function once(seen: number, bit: number): number {
  if ((seen & bit) !== 0) decline();
  return seen | bit;
}

function readScopeSpans(into: DecodedSpan[]): void {
  let seen = 0;
  openObject();
  for (let first = true; nextMember(first); first = false) {
    if (keyIs('spans')) {
      seen = once(seen, 1);
      if (!isNull() && openArray()) {
        do into.push(readSpan());
        while (nextElement());
      }
    } else skipValue(1);
    afterValue();
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

function readSpan(): DecodedSpan {
  const span: DecodedSpan = { traceId: '', spanId: '', kind: 0, startNs: 0n, endNs: 0n, attributes: new Map(), statusCode: 0 };
  let seen = 0;
  openObject();
  for (let first = true; nextMember(first); first = false) {
    switch (keyLength) {
      case 7:
        if (keyIs('traceId')) {
          seen = once(seen, 1);
          span.traceId = hexId();
        } else skipValue(1);
        break;
      case 6:
        if (keyIs('spanId')) {
          seen = once(seen, 2);
          span.spanId = hexId();
        } else if (keyIs('status')) {
          seen = once(seen, 4);
          span.statusCode = readStatus();
        } else skipValue(1);
        break;
      case 4:
        if (keyIs('kind')) {
          seen = once(seen, 8);
          span.kind = enumValue(KIND_NAMES, 0, 5);
        } else skipValue(1);
        break;
      case 17:
        if (keyIs('startTimeUnixNano')) {
          seen = once(seen, 16);
          span.startNs = int64();
        } else skipValue(1);
        break;
      case 15:
        if (keyIs('endTimeUnixNano')) {
          seen = once(seen, 32);
          span.endNs = int64();
        } else skipValue(1);
        break;
      case 10:
        if (keyIs('attributes')) {
          seen = once(seen, 64);
          readAttributes(span.attributes);
        } else skipValue(1);
        break;
      default:
        skipValue(1);
    }
    afterValue();
  }
  return span;
}

function readStatus(): number {
  if (isNull()) return 0;
  let code = 0;
  let seen = 0;
  openObject();
  for (let first = true; nextMember(first); first = false) {
    if (keyIs('code')) {
      seen = once(seen, 1);
      code = enumValue(STATUS_NAMES, -(2 ** 31), 2 ** 31 - 1);
    } else skipValue(1);
    afterValue();
  }
  return code;
}

/** An id: hex digits of either case, an even number of them, as lowercase hex. */
function hexId(): string {
  if (isNull()) return '';
  if (buf[pos] !== QUOTE) decline();
  const quote = pos;
  const start = ++pos;
  let upper = false;
  for (;;) {
    if (pos >= len) decline();
    const c = buf[pos]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH) return escapedHexId(quote);
    if (c >= 0x41 && c <= 0x46) upper = true;
    else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) decline();
    pos++;
  }
  const stop = pos++;
  if ((stop - start) % 2 !== 0) decline();
  const id = buf.toString('latin1', start, stop);
  return upper ? id.toLowerCase() : id;
}

/** An id written with escapes (valid JSON, if odd): read as a string, then held to the same rules. */
function escapedHexId(quote: number): string {
  pos = quote;
  const id = readString();
  if (id.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(id)) decline();
  return id.toLowerCase();
}

function enumValue(names: ReadonlyMap<string, number>, min: number, max: number): number {
  if (isNull()) return 0;
  if (buf[pos] === QUOTE) return names.get(readString()) ?? decline();
  const v = readNumber();
  if (!Number.isInteger(v) || v < min || v > max) decline();
  return v;
}

/** int64 as OTLP/JSON sends it (decodeJson's INT64_TEXT: at most 20 digits). */
const INT64_TEXT = /^-?\d{1,20}$/;

function int64(): bigint {
  if (isNull()) return 0n;
  if (buf[pos] === QUOTE) return int64Text();
  const v = readNumber();
  if (!Number.isInteger(v)) decline();
  return BigInt(v);
}

const E15 = 1_000_000_000_000_000n;

/**
 * At `"`: a quoted int64 (INT64_TEXT) read from its digits. Times come this way, two unique
 * 19-digit strings a span: no string is made for them (nor interned).
 */
function int64Text(): bigint {
  const quote = pos++;
  const negative = buf[pos] === MINUS;
  if (negative) pos++;
  const digits = pos;
  while (isDigit(buf[pos])) pos++;
  const count = pos - digits;
  if (buf[pos] === BACKSLASH) {
    pos = quote;
    const text = readString();
    if (!INT64_TEXT.test(text)) decline();
    return BigInt(text);
  }
  if (buf[pos] !== QUOTE || count < 1 || count > 20) decline();
  pos++;
  let value: bigint;
  if (count <= 15) value = BigInt(digitsValue(digits, digits + count));
  else value = BigInt(digitsValue(digits, digits + count - 15)) * E15 + BigInt(digitsValue(digits + count - 15, digits + count));
  return negative ? -value : value;
}

/** The value of 1 to 15 ASCII digits. */
function digitsValue(from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + (buf[i]! - 0x30);
  return value;
}

function readAttributes(into: Attributes): void {
  if (isNull() || !openArray()) return;
  let index = 0;
  do {
    if (readCompactAttribute(into, index++)) continue;
    let key: string | undefined;
    let value: AttrValue | undefined;
    let seen = 0;
    openObject();
    for (let first = true; nextMember(first); first = false) {
      if (keyIs('key')) {
        seen = once(seen, 1);
        if (buf[pos] !== QUOTE) decline();
        key = readString();
      } else if (keyIs('value')) {
        seen = once(seen, 2);
        value = anyValue(1);
      } else skipValue(1);
      afterValue();
    }
    if (key === undefined) decline();
    if (value !== undefined) into.set(key, value);
  } while (nextElement());
}

/** Bytes known in advance, with their whole four-byte groups as little-endian numbers. */
interface Word {
  bytes: Uint8Array;
  quads: Uint32Array;
}

function wordOf(bytes: Uint8Array): Word {
  const quads = new Uint32Array(bytes.length >> 2);
  const bytesView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < quads.length; k++) quads[k] = bytesView.getUint32(k * 4, true);
  return { bytes, quads };
}

const asciiWord = (text: string): Word => wordOf(Uint8Array.from(text, (c) => c.charCodeAt(0)));
const KEY_OPEN = asciiWord('{"key":');
const VALUE_OPEN = asciiWord(',"value":{"');
const STRING_VALUE = asciiWord('stringValue":');
const INT_VALUE = asciiWord('intValue":');
const ARRAY_VALUE = asciiWord('arrayValue":');
const VALUE_CLOSE = asciiWord('}}');

/** Whether `word` is at `at`, compared four bytes at a time (~3x fewer steps than byte by byte). */
function wordAt(word: Word, at: number): boolean {
  const n = word.bytes.length;
  if (at + n > len) return false;
  const quads = word.quads;
  for (let k = 0; k < quads.length; k++) if (view.getUint32(at + k * 4, true) !== quads[k]) return false;
  const bytes = word.bytes;
  for (let i = quads.length * 4; i < n; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

/** At `word`'s first byte: steps over it and says true; else false, `pos` unchanged. */
function match(word: Word): boolean {
  if (!wordAt(word, pos)) return false;
  pos += word.bytes.length;
  return true;
}

/**
 * An attribute as the OTel exporters write it, `{"key":"…","value":{"stringValue":"…"}}` (or
 * `intValue`, `arrayValue`) without whitespace, read by matching those bytes instead of member by
 * member: ~10 calls instead of ~30 for each of a span's dozen attributes. Anything else (other
 * order, spaces, null, other value kinds) leaves `pos` where it was and stores nothing, and the
 * member-by-member reader reads it: both give the same key and value for the bytes this takes.
 */
function readCompactAttribute(into: Attributes, index: number): boolean {
  const start = pos;
  if (!match(KEY_OPEN) || buf[pos] !== QUOTE) return restart(start);
  const key = guessedKey(index);
  if (!match(VALUE_OPEN)) return restart(start);
  let value: AttrValue;
  if (match(STRING_VALUE)) {
    if (buf[pos] !== QUOTE) return restart(start);
    value = guessedValue(index);
  } else if (match(INT_VALUE)) {
    if (buf[pos] === 0x6e) return restart(start);
    value = intValue();
  } else if (match(ARRAY_VALUE)) {
    if (buf[pos] !== LBRACE) return restart(start);
    value = guessedArray(index);
  } else return restart(start);
  if (!match(VALUE_CLOSE)) return restart(start);
  into.set(key, value);
  return true;
}

function restart(start: number): false {
  pos = start;
  return false;
}

/** The key last read at each attribute position, with its bytes: a span's keys come in the same order span after span. */
const keyGuesses: (Guess | undefined)[] = [];
const MAX_KEY_GUESSES = 64;

/**
 * At `"`: an attribute key, compared with the key last read at attribute `index` before it is
 * scanned, hashed and looked up. A guess holds only keys that were plain ASCII (no escapes:
 * the text is as long as its bytes), so equal bytes followed by `"` are that same string.
 */
function guessedKey(index: number): string {
  const guess = keyGuesses[index];
  if (guess !== undefined) {
    const at = pos + 1;
    const stop = at + guess.word.bytes.length;
    if (stop < len && buf[stop] === QUOTE && wordAt(guess.word, at)) {
      pos = stop + 1;
      return guess.text;
    }
  }
  const start = pos + 1;
  const text = readString();
  const stop = pos - 1;
  if (index < MAX_KEY_GUESSES && text.length === stop - start && text.length <= MAX_INTERNED_BYTES) {
    keyGuesses[index] = { word: wordOf(new Uint8Array(buf.subarray(start, stop))), text };
  }
  return text;
}

interface Guess {
  word: Word;
  text: string;
}

/** Strings that repeated at each attribute position, most recent first (a few per position: one per shape of call). */
const valueGuesses: (Guess[] | undefined)[] = [];
const MAX_VALUE_GUESSES = 4;

/**
 * At `"`: an attribute's stringValue at position `index`, compared with the strings that
 * repeated there before it is scanned and hashed. Only readString's repeats are kept (plain
 * ASCII, no escapes), so a value that never repeats (a URL, an id) costs no guess.
 */
function guessedValue(index: number): string {
  let guesses = valueGuesses[index];
  const at = pos + 1;
  if (guesses !== undefined) {
    for (let g = 0; g < guesses.length; g++) {
      const guess = guesses[g]!;
      const stop = at + guess.word.bytes.length;
      if (stop < len && buf[stop] === QUOTE && wordAt(guess.word, at)) {
        pos = stop + 1;
        return guess.text;
      }
    }
  }
  const text = readString();
  if (repeated && index < MAX_KEY_GUESSES) {
    guesses ??= valueGuesses[index] = [];
    if (guesses.length >= MAX_VALUE_GUESSES) guesses.pop();
    guesses.unshift({ word: wordOf(new Uint8Array(buf.subarray(at, pos - 1))), text });
  }
  return text;
}

/**
 * Field lists repeat span after span with the same text: each distinct one is read once and the
 * (frozen) array shared. Keyed by a hash of the text, the text's bytes kept to compare: finding
 * the end and the hash in one pass over the bytes, with no key string to build and hash again,
 * took the reader from 23.7 to 19.2 µs CPU a span on bench:ingest's 2,000-span requests (median
 * of 8 interleaved rounds in one process, 2026-12-04; the protobuf reader 8.1 µs): skipping the
 * text with the checking reader, building a latin1 key and hashing that in the Map had been a
 * quarter of the reader's time.
 */
const arrayCache = new Map<number, ArrayEntry>();
const MAX_CACHED_ARRAYS = 4_096;
/** Longer lists would make the cache big (the protobuf reader's bound, in JSON's larger text). */
const MAX_CACHED_ARRAY_BYTES = 8_192;

/** AnyValue at nesting `depth` (1: an attribute's value); undefined for empty and bytes values. */
function anyValue(depth: number): AttrValue | undefined {
  if (isNull()) return undefined;
  if (depth > MAX_ANY_VALUE_DEPTH) decline();
  let value: AttrValue | undefined;
  let present = 0;
  let seen = 0;
  openObject();
  for (let first = true; nextMember(first); first = false) {
    const c = buf[keyStart];
    if (keyLength === 11 && c === 0x73 && keyIs('stringValue')) {
      seen = once(seen, 1);
      if (!isNull()) {
        if (buf[pos] !== QUOTE) decline();
        value = readString();
        present++;
      }
    } else if (keyLength === 8 && keyIs('intValue')) {
      seen = once(seen, 2);
      if (!isNull()) {
        value = intValue();
        present++;
      }
    } else if (keyLength === 9 && keyIs('boolValue')) {
      seen = once(seen, 4);
      if (!isNull()) {
        if (buf[pos] === 0x74) {
          literal('true');
          value = true;
        } else {
          literal('false');
          value = false;
        }
        present++;
      }
    } else if (keyLength === 11 && c === 0x64 && keyIs('doubleValue')) {
      seen = once(seen, 8);
      if (!isNull()) {
        value = buf[pos] === QUOTE ? Number(readString()) : readNumber();
        present++;
      }
    } else if (keyLength === 10 && c === 0x61 && keyIs('arrayValue')) {
      seen = once(seen, 16);
      if (!isNull()) {
        value = depth === 1 ? cachedArrayValue() : readArrayValue(depth);
        present++;
      }
    } else if (keyLength === 10 && c === 0x62 && keyIs('bytesValue')) {
      seen = once(seen, 32);
      if (!isNull()) {
        if (buf[pos] !== QUOTE) decline();
        skipString();
        present++;
      }
    } else if (keyLength === 11 && c === 0x6b && keyIs('kvlistValue')) {
      seen = once(seen, 64);
      if (!isNull()) decline();
    } else skipValue(depth);
    afterValue();
  }
  // Two values set: decodeJson's order of precedence decides.
  if (present > 1) decline();
  return value;
}

function intValue(): number {
  if (buf[pos] === QUOTE) {
    const text = readString();
    if (!INT64_TEXT.test(text)) decline();
    return Number(text);
  }
  const v = readNumber();
  if (!Number.isInteger(v)) decline();
  return v;
}

/** An attribute's arrayValue: from the cache when the same text was read before. */
function cachedArrayValue(): AttrValue[] {
  const start = pos;
  const stop = scanValue();
  if (stop < 0 || stop - start > MAX_CACHED_ARRAY_BYTES) {
    arrayEntry = undefined;
    return readArrayValue(1);
  }
  const hash = scannedHash;
  const hit = arrayCache.get(hash);
  if (hit !== undefined && hit.word.bytes.length === stop - start && wordAt(hit.word, start)) {
    pos = stop;
    ws();
    arrayEntry = hit;
    return hit.value as AttrValue[];
  }
  // Read (and checked) in full: only text that was read is ever answered from the cache.
  const value = Object.freeze(readArrayValue(1));
  if (arrayCache.size >= MAX_CACHED_ARRAYS) arrayCache.clear();
  arrayEntry = { word: wordOf(new Uint8Array(buf.subarray(start, stop))), value };
  arrayCache.set(hash, arrayEntry);
  return value as AttrValue[];
}

interface ArrayEntry {
  word: Word;
  value: readonly AttrValue[];
}

/** The cache entry cachedArrayValue last answered from or filled; undefined if it read past the cache. */
let arrayEntry: ArrayEntry | undefined;

/**
 * The arrays last read at each attribute position, most recent first: a position holds a few
 * distinct lists (one per shape of call), and comparing the bytes with those first skips the
 * scan and hash of cachedArrayValue.
 */
const arrayGuesses: (ArrayEntry[] | undefined)[] = [];
const MAX_ARRAY_GUESSES = 8;

/** At `{`: an attribute's arrayValue at position `index`, as cachedArrayValue answers it. */
function guessedArray(index: number): AttrValue[] {
  let guesses = arrayGuesses[index];
  if (guesses !== undefined) {
    for (let g = 0; g < guesses.length; g++) {
      const guess = guesses[g]!;
      if (wordAt(guess.word, pos)) {
        pos += guess.word.bytes.length;
        ws();
        return guess.value as AttrValue[];
      }
    }
  }
  const value = cachedArrayValue();
  if (arrayEntry !== undefined && index < MAX_KEY_GUESSES) {
    guesses ??= arrayGuesses[index] = [];
    if (guesses.length >= MAX_ARRAY_GUESSES) guesses.pop();
    guesses.unshift(arrayEntry);
  }
  return value;
}

let scannedHash = 0;

/**
 * At `{` or `[`: where the value ends (just past its closing bracket) and, in `scannedHash`, a
 * hash of its bytes; -1 when it does not close. Brackets and strings only, nothing checked: the
 * bytes it finds are either those of a value read in full before, or read in full now.
 */
function scanValue(): number {
  const first = buf[pos];
  if (first !== LBRACE && first !== LBRACKET) return -1;
  let depth = 0;
  let hash = 0;
  let p = pos;
  while (p < len) {
    const c = buf[p++]!;
    hash = (Math.imul(hash, 31) + c) | 0;
    if (c === QUOTE) {
      while (p < len) {
        const d = buf[p++]!;
        hash = (Math.imul(hash, 31) + d) | 0;
        if (d === QUOTE) break;
        // The escaped byte cannot end the string: take it with its backslash.
        if (d === BACKSLASH && p < len) hash = (Math.imul(hash, 31) + buf[p++]!) | 0;
      }
    } else if (c === LBRACE || c === LBRACKET) depth++;
    else if ((c === RBRACE || c === RBRACKET) && --depth === 0) {
      scannedHash = hash;
      return p;
    }
  }
  return -1;
}

/** ArrayValue of an AnyValue at `depth`: its values at depth + 1, empty ones left out. */
function readArrayValue(depth: number): AttrValue[] {
  if (buf[pos] !== LBRACE) decline();
  const out: AttrValue[] = [];
  let seen = 0;
  openObject();
  for (let first = true; nextMember(first); first = false) {
    if (keyIs('values')) {
      seen = once(seen, 1);
      if (!isNull() && openArray()) {
        do {
          const item = anyValue(depth + 1);
          if (item !== undefined) out.push(item);
        } while (nextElement());
      }
    } else skipValue(depth);
    afterValue();
  }
  return out;
}
