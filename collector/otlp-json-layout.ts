import type { AttrValue, Attributes } from '../common/otlp-spans.js';
import { cachedArrayValue, intValue, lastArrayEntry, type ArrayEntry } from './otlp-json-any-value.js';
import { asciiWord, wordOf, type JsonCursor, type Word } from './otlp-json-cursor.js';
import { LBRACE, MAX_INTERNED_BYTES, QUOTE } from './otlp-json-scanner.js';

/*
 * The byte reader's fast path for attributes in the exporters' layout: matched byte for byte,
 * and compared with what was read at the same attribute position in earlier spans before being
 * scanned. test/unit/collector/otlp-json-guesses.test.ts puts strings that extend, shorten or
 * share a prefix with the earlier ones at a position.
 */

const KEY_OPEN = asciiWord('{"key":');
const VALUE_OPEN = asciiWord(',"value":{"');
const STRING_VALUE = asciiWord('stringValue":');
const INT_VALUE = asciiWord('intValue":');
const ARRAY_VALUE = asciiWord('arrayValue":');
const VALUE_CLOSE = asciiWord('}}');

/**
 * An attribute as the OTel exporters write it, `{"key":"…","value":{"stringValue":"…"}}` (or
 * `intValue`, `arrayValue`) without whitespace, read by matching those bytes instead of member by
 * member: ~10 calls instead of ~30 for each of a span's dozen attributes. Anything else (other
 * order, spaces, null, other value kinds) leaves `pos` where it was and stores nothing, and the
 * member-by-member reader reads it: both give the same key and value for the bytes this takes.
 */
export function readCompactAttribute(c: JsonCursor, into: Attributes, index: number): boolean {
  const start = c.pos;
  if (!c.match(KEY_OPEN) || c.buf[c.pos] !== QUOTE) return restart(c, start);
  const key = guessedKey(c, index);
  if (!c.match(VALUE_OPEN)) return restart(c, start);
  let value: AttrValue;
  if (c.match(STRING_VALUE)) {
    if (c.buf[c.pos] !== QUOTE) return restart(c, start);
    value = guessedValue(c, index);
  } else if (c.match(INT_VALUE)) {
    if (c.buf[c.pos] === 0x6e) return restart(c, start);
    value = intValue(c);
  } else if (c.match(ARRAY_VALUE)) {
    if (c.buf[c.pos] !== LBRACE) return restart(c, start);
    value = guessedArray(c, index);
  } else return restart(c, start);
  if (!c.match(VALUE_CLOSE)) return restart(c, start);
  into.set(key, value);
  return true;
}

function restart(c: JsonCursor, start: number): false {
  c.pos = start;
  return false;
}

interface Guess {
  word: Word;
  text: string;
}

/** The key last read at each attribute position, with its bytes: a span's keys come in the same order span after span. */
const keyGuesses: (Guess | undefined)[] = [];
const MAX_KEY_GUESSES = 64;

/**
 * At `"`: an attribute key, compared with the key last read at attribute `index` before it is
 * scanned, hashed and looked up. A guess holds only keys that were plain ASCII (no escapes:
 * the text is as long as its bytes), so equal bytes followed by `"` are that same string.
 */
function guessedKey(c: JsonCursor, index: number): string {
  const guess = keyGuesses[index];
  if (guess !== undefined) {
    const at = c.pos + 1;
    const stop = at + guess.word.bytes.length;
    if (stop < c.len && c.buf[stop] === QUOTE && c.wordAt(guess.word, at)) {
      c.pos = stop + 1;
      return guess.text;
    }
  }
  const start = c.pos + 1;
  const text = c.readString();
  const stop = c.pos - 1;
  if (index < MAX_KEY_GUESSES && text.length === stop - start && text.length <= MAX_INTERNED_BYTES) {
    keyGuesses[index] = { word: wordOf(new Uint8Array(c.buf.subarray(start, stop))), text };
  }
  return text;
}

/** Strings that repeated at each attribute position, most recent first (a few per position: one per shape of call). */
const valueGuesses: (Guess[] | undefined)[] = [];
const MAX_VALUE_GUESSES = 4;

/**
 * At `"`: an attribute's stringValue at position `index`, compared with the strings that
 * repeated there before it is scanned and hashed. Only readString's repeats are kept (plain
 * ASCII, no escapes), so a value that never repeats (a URL, an id) costs no guess.
 */
function guessedValue(c: JsonCursor, index: number): string {
  let guesses = valueGuesses[index];
  const at = c.pos + 1;
  if (guesses !== undefined) {
    for (let g = 0; g < guesses.length; g++) {
      const guess = guesses[g]!;
      const stop = at + guess.word.bytes.length;
      if (stop < c.len && c.buf[stop] === QUOTE && c.wordAt(guess.word, at)) {
        c.pos = stop + 1;
        return guess.text;
      }
    }
  }
  const text = c.readString();
  if (c.repeated && index < MAX_KEY_GUESSES) {
    guesses ??= valueGuesses[index] = [];
    if (guesses.length >= MAX_VALUE_GUESSES) guesses.pop();
    guesses.unshift({ word: wordOf(new Uint8Array(c.buf.subarray(at, c.pos - 1))), text });
  }
  return text;
}

/**
 * The arrays last read at each attribute position, most recent first: a position holds a few
 * distinct lists (one per shape of call), and comparing the bytes with those first skips the
 * scan and hash of cachedArrayValue.
 */
const arrayGuesses: (ArrayEntry[] | undefined)[] = [];
const MAX_ARRAY_GUESSES = 8;

/** At `{`: an attribute's arrayValue at position `index`, as cachedArrayValue answers it. */
function guessedArray(c: JsonCursor, index: number): AttrValue[] {
  let guesses = arrayGuesses[index];
  if (guesses !== undefined) {
    for (let g = 0; g < guesses.length; g++) {
      const guess = guesses[g]!;
      if (c.wordAt(guess.word, c.pos)) {
        c.pos += guess.word.bytes.length;
        c.ws();
        return guess.value as AttrValue[];
      }
    }
  }
  const value = cachedArrayValue(c);
  const entry = lastArrayEntry();
  if (entry !== undefined && index < MAX_KEY_GUESSES) {
    guesses ??= arrayGuesses[index] = [];
    if (guesses.length >= MAX_ARRAY_GUESSES) guesses.pop();
    guesses.unshift(entry);
  }
  return value;
}
