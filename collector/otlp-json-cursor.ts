import { COLON, COMMA, decline, JsonScanner, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, BACKSLASH } from './otlp-json-scanner.js';

/*
 * The byte reader's cursor: the scanner (otlp-json-scanner.ts) plus objects and arrays, member
 * keys, skipping any value with a depth bound, and comparing bytes known in advance.
 */

/** `seen` with `bit` set; declines if it already was (a key given twice: JSON.parse keeps the last, decodeJson decides). */
export function once(seen: number, bit: number): number {
  if ((seen & bit) !== 0) decline();
  return seen | bit;
}

/** Unknown fields nest at most this deep here; deeper ones are decodeJson's (JSON.parse takes any depth). */
const SKIP_DEPTH = 128;

/** Bytes known in advance, with their whole four-byte groups as little-endian numbers. */
export interface Word {
  bytes: Uint8Array;
  quads: Uint32Array;
}

export function wordOf(bytes: Uint8Array): Word {
  const quads = new Uint32Array(bytes.length >> 2);
  const bytesView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < quads.length; k++) quads[k] = bytesView.getUint32(k * 4, true);
  return { bytes, quads };
}

export const asciiWord = (text: string): Word => wordOf(Uint8Array.from(text, (c) => c.charCodeAt(0)));

/** A position in one body, read synchronously from start to end. */
export class JsonCursor extends JsonScanner {
  /** The last key nextMember read: where its bytes start and how many. */
  keyStart = 0;
  keyLength = 0;
  /** At `{`: steps in. `nextMember(true)` then reads the first key. */
  openObject(): void {
    if (this.buf[this.pos] !== LBRACE) decline();
    this.pos++;
    this.ws();
  }

  /**
   * Reads the next member's key (into keyStart/keyLength) and its colon, leaving `pos` at the
   * value; false at the closing `}`, which it steps over. Keys with escapes are declined.
   */
  nextMember(first: boolean): boolean {
    const buf = this.buf;
    const len = this.len;
    if (this.pos >= len) decline();
    if (buf[this.pos] === RBRACE) {
      this.pos++;
      this.ws();
      return false;
    }
    if (!first) {
      if (buf[this.pos] !== COMMA) decline();
      this.pos++;
      this.ws();
    }
    let pos = this.pos;
    if (buf[pos] !== QUOTE) decline();
    const start = ++pos;
    for (;;) {
      if (pos >= len) decline();
      const c = buf[pos]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20) decline();
      pos++;
    }
    this.keyStart = start;
    this.keyLength = pos - start;
    this.pos = pos + 1;
    this.ws();
    if (buf[this.pos] !== COLON) decline();
    this.pos++;
    this.ws();
    return true;
  }

  /** Whether the current key is `word` (ASCII). */
  keyIs(word: string): boolean {
    const n = this.keyLength;
    if (n !== word.length) return false;
    const buf = this.buf;
    const start = this.keyStart;
    for (let i = 0; i < n; i++) if (buf[start + i] !== word.charCodeAt(i)) return false;
    return true;
  }

  /** At `[`: steps in; false if the array is empty (and stepped over). */
  openArray(): boolean {
    if (this.buf[this.pos] !== LBRACKET) decline();
    this.pos++;
    this.ws();
    if (this.buf[this.pos] === RBRACKET) {
      this.pos++;
      this.ws();
      return false;
    }
    return true;
  }

  /** After an element: true if another follows (the comma stepped over), false at `]` (stepped over). */
  nextElement(): boolean {
    this.ws();
    const c = this.buf[this.pos];
    if (c === COMMA) {
      this.pos++;
      this.ws();
      return true;
    }
    if (c !== RBRACKET) decline();
    this.pos++;
    this.ws();
    return false;
  }

  /** At a value: true (and stepped over) if it is `null`. */
  isNull(): boolean {
    if (this.buf[this.pos] !== 0x6e) return false;
    this.literal('null');
    return true;
  }

  /** Steps over any JSON value, checking it is JSON; `depth` bounds nesting (then declines). */
  skipValue(depth: number): void {
    const c = this.buf[this.pos];
    if (c === QUOTE) this.skipString();
    else if (c === LBRACE) {
      if (depth > SKIP_DEPTH) decline();
      this.openObject();
      for (let first = true; this.nextMember(first); first = false) {
        this.skipValue(depth + 1);
        this.ws();
      }
      return;
    } else if (c === LBRACKET) {
      if (depth > SKIP_DEPTH) decline();
      if (!this.openArray()) return;
      do this.skipValue(depth + 1);
      while (this.nextElement());
      return;
    } else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else this.readNumber();
    this.ws();
  }

  /** Whether `word` is at `at`, compared four bytes at a time (~3x fewer steps than byte by byte). */
  wordAt(word: Word, at: number): boolean {
    const n = word.bytes.length;
    if (at + n > this.len) return false;
    const quads = word.quads;
    const view = this.view;
    for (let k = 0; k < quads.length; k++) if (view.getUint32(at + k * 4, true) !== quads[k]) return false;
    const bytes = word.bytes;
    const buf = this.buf;
    for (let i = quads.length * 4; i < n; i++) if (buf[at + i] !== bytes[i]) return false;
    return true;
  }

  /** At `word`'s first byte: steps over it and says true; else false, `pos` unchanged. */
  match(word: Word): boolean {
    if (!this.wordAt(word, this.pos)) return false;
    this.pos += word.bytes.length;
    return true;
  }
}