import { intAttribute, intOfNumber, MAX_ANY_VALUE_DEPTH, type AttrValue } from '../common/otlp-spans.js';
import { once, wordOf, type JsonCursor, type Word } from './otlp-json-cursor.js';
import { BACKSLASH, decline, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET } from './otlp-json-scanner.js';

/*
 * The byte reader's AnyValue, member by member (what otlp-json-layout.ts does not take), and the
 * cache of attribute arrays both share.
 */

/** int64 as OTLP/JSON sends it (decodeJson's INT64_TEXT: at most 20 digits). */
export const INT64_TEXT = /^-?\d{1,20}$/;

/** AnyValue at nesting `depth` (1: an attribute's value); undefined for empty and bytes values. */
export function anyValue(c: JsonCursor, depth: number): AttrValue | undefined {
  if (c.isNull()) return undefined;
  if (depth > MAX_ANY_VALUE_DEPTH) decline();
  let value: AttrValue | undefined;
  let present = 0;
  let seen = 0;
  c.openObject();
  for (let first = true; c.nextMember(first); first = false) {
    const k = c.buf[c.keyStart];
    const n = c.keyLength;
    if (n === 11 && k === 0x73 && c.keyIs('stringValue')) {
      seen = once(seen, 1);
      if (!c.isNull()) {
        if (c.buf[c.pos] !== QUOTE) decline();
        value = c.readString();
        present++;
      }
    } else if (n === 8 && c.keyIs('intValue')) {
      seen = once(seen, 2);
      if (!c.isNull()) {
        value = intValue(c);
        present++;
      }
    } else if (n === 9 && c.keyIs('boolValue')) {
      seen = once(seen, 4);
      if (!c.isNull()) {
        if (c.buf[c.pos] === 0x74) {
          c.literal('true');
          value = true;
        } else {
          c.literal('false');
          value = false;
        }
        present++;
      }
    } else if (n === 11 && k === 0x64 && c.keyIs('doubleValue')) {
      seen = once(seen, 8);
      if (!c.isNull()) {
        value = c.buf[c.pos] === QUOTE ? Number(c.readString()) : c.readNumber();
        present++;
      }
    } else if (n === 10 && k === 0x61 && c.keyIs('arrayValue')) {
      seen = once(seen, 16);
      if (!c.isNull()) {
        value = depth === 1 ? cachedArrayValue(c) : readArrayValue(c, depth);
        present++;
      }
    } else if (n === 10 && k === 0x62 && c.keyIs('bytesValue')) {
      seen = once(seen, 32);
      if (!c.isNull()) {
        if (c.buf[c.pos] !== QUOTE) decline();
        c.skipString();
        present++;
      }
    } else if (n === 11 && k === 0x6b && c.keyIs('kvlistValue')) {
      seen = once(seen, 64);
      if (!c.isNull()) decline();
    } else c.skipValue(depth);
    c.ws();
  }
  // Two values set: decodeJson's order of precedence decides.
  if (present > 1) decline();
  return value;
}

/** An intValue, as decodeJson reads it: past 2^53 a bigint (exact digits, or the double a JSON number spells). */
export function intValue(c: JsonCursor): number | bigint {
  if (c.buf[c.pos] === QUOTE) {
    const text = c.readString();
    if (!INT64_TEXT.test(text)) decline();
    return intAttribute(text);
  }
  const v = c.readNumber();
  if (!Number.isInteger(v)) decline();
  return intOfNumber(v);
}

/** ArrayValue of an AnyValue at `depth`: its values at depth + 1, empty ones left out. */
function readArrayValue(c: JsonCursor, depth: number): AttrValue[] {
  if (c.buf[c.pos] !== LBRACE) decline();
  const out: AttrValue[] = [];
  let seen = 0;
  c.openObject();
  for (let first = true; c.nextMember(first); first = false) {
    if (c.keyIs('values')) {
      seen = once(seen, 1);
      if (!c.isNull() && c.openArray()) {
        do {
          const item = anyValue(c, depth + 1);
          if (item !== undefined) out.push(item);
        } while (c.nextElement());
      }
    } else c.skipValue(depth);
    c.ws();
  }
  return out;
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

export interface ArrayEntry {
  word: Word;
  value: readonly AttrValue[];
}

/** The cache entry cachedArrayValue last answered from or filled; undefined if it read past the cache. */
let arrayEntry: ArrayEntry | undefined;

export const lastArrayEntry = (): ArrayEntry | undefined => arrayEntry;

/** An attribute's arrayValue: from the cache when the same text was read before. */
export function cachedArrayValue(c: JsonCursor): AttrValue[] {
  const start = c.pos;
  const stop = scanValue(c);
  if (stop < 0 || stop - start > MAX_CACHED_ARRAY_BYTES) {
    arrayEntry = undefined;
    return readArrayValue(c, 1);
  }
  const hash = scannedHash;
  const hit = arrayCache.get(hash);
  if (hit !== undefined && hit.word.bytes.length === stop - start && c.wordAt(hit.word, start)) {
    c.pos = stop;
    c.ws();
    arrayEntry = hit;
    return hit.value as AttrValue[];
  }
  // Read (and checked) in full: only text that was read is ever answered from the cache.
  const value = Object.freeze(readArrayValue(c, 1));
  if (arrayCache.size >= MAX_CACHED_ARRAYS) arrayCache.clear();
  arrayEntry = { word: wordOf(new Uint8Array(c.buf.subarray(start, stop))), value };
  arrayCache.set(hash, arrayEntry);
  return value as AttrValue[];
}

let scannedHash = 0;

/**
 * At `{` or `[`: where the value ends (just past its closing bracket) and, in `scannedHash`, a
 * hash of its bytes; -1 when it does not close. Brackets and strings only, nothing checked: the
 * bytes it finds are either those of a value read in full before, or read in full now.
 */
function scanValue(cursor: JsonCursor): number {
  const buf = cursor.buf;
  const len = cursor.len;
  const first = buf[cursor.pos];
  if (first !== LBRACE && first !== LBRACKET) return -1;
  let depth = 0;
  let hash = 0;
  let p = cursor.pos;
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
