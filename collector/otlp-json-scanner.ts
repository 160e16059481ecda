/*
 * The byte reader's scanner over one OTLP/JSON body (collector/otlp-json.ts): whitespace,
 * literals, strings (escapes checked, short ASCII ones interned) and numbers. Whatever is not
 * JSON, or is JSON this reader leaves to decodeJson, throws DECLINE. otlp-json-cursor.ts adds
 * objects, arrays and skipping.
 *
 * State in an object passed explicitly rather than in module variables (as until 2026-12-05):
 * the hot loops copy `buf` and `pos` into locals and V8 sees one shape of cursor. On bench:ingest's
 * 2,000-span JSON requests the reader took 8.7 µs CPU a span against 11.3 µs with module
 * variables (median of 8 alternating processes' best passes, 2026-12-05; bench/RESULTS.md).
 */

/** Thrown to give the body to decodeJson; made once, so declining captures no stack. */
export const DECLINE = new Error('declined: read by decodeJson');

export function decline(): never {
  throw DECLINE;
}

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const LBRACKET = 0x5b;
export const RBRACKET = 0x5d;
export const MINUS = 0x2d;

export const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * Attribute keys and most values repeat span after span: a short ASCII string is looked up by a
 * hash of its bytes and the string made earlier reused (as the protobuf reader does).
 */
const interned = new Map<number, string>();
const MAX_INTERNED = 8_192;
export const MAX_INTERNED_BYTES = 64;

const EMPTY = Buffer.alloc(0);
const EMPTY_VIEW: DataView = new DataView(new ArrayBuffer(0));

/** A position in one body, read synchronously from start to end. */
export class JsonScanner {
  buf: Buffer = EMPTY;
  /** `buf` four bytes at a time, for comparing byte strings known in advance. */
  view: DataView = EMPTY_VIEW;
  pos = 0;
  len = 0;
  /** Whether readString's last string was one it had interned before: plain ASCII that repeats. */
  repeated = false;
  /** The text of the escape escapeAt read last. */
  private escaped = '';

  /** Points the cursor at the start of `body`. */
  reset(body: Buffer): void {
    this.buf = body;
    this.view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    this.pos = 0;
    this.len = body.length;
  }

  /** Lets go of the body (the cursor outlives it). */
  release(): void {
    this.buf = EMPTY;
    this.view = EMPTY_VIEW;
    this.pos = 0;
    this.len = 0;
  }

  ws(): void {
    const buf = this.buf;
    const len = this.len;
    let pos = this.pos;
    while (pos < len) {
      const c = buf[pos]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  literal(word: string): void {
    const pos = this.pos;
    if (pos + word.length > this.len) decline();
    for (let i = 0; i < word.length; i++) if (this.buf[pos + i] !== word.charCodeAt(i)) decline();
    this.pos = pos + word.length;
  }


  /** At `"`: steps over a string, checking its escapes. */
  skipString(): void {
    const buf = this.buf;
    const len = this.len;
    let pos = this.pos + 1;
    while (pos < len) {
      const c = buf[pos]!;
      if (c === QUOTE) {
        this.pos = pos + 1;
        return;
      }
      if (c < 0x20) decline();
      if (c === BACKSLASH) {
        this.escapeAt(pos);
        pos = this.pos;
      } else pos++;
    }
    decline();
  }

  /** Reads the escape at `at` (a backslash) into `escaped` and moves `pos` past it. */
  private escapeAt(at: number): void {
    const buf = this.buf;
    const e = buf[at + 1];
    switch (e) {
      case 0x22:
      case 0x5c:
      case 0x2f:
        this.escaped = String.fromCharCode(e);
        break;
      case 0x62:
        this.escaped = '\b';
        break;
      case 0x66:
        this.escaped = '\f';
        break;
      case 0x6e:
        this.escaped = '\n';
        break;
      case 0x72:
        this.escaped = '\r';
        break;
      case 0x74:
        this.escaped = '\t';
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
        this.escaped = String.fromCharCode(code);
        this.pos = at + 6;
        return;
      }
      default:
        decline();
    }
    this.pos = at + 2;
  }

  /** At `"`: the string, unescaped. */
  readString(): string {
    this.repeated = false;
    const buf = this.buf;
    const len = this.len;
    let pos = this.pos + 1;
    const start = pos;
    let hash = 0;
    let ascii = true;
    for (;;) {
      if (pos >= len) decline();
      const c = buf[pos]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        this.pos = pos;
        return this.readEscapedString(start);
      }
      if (c < 0x20) decline();
      if (c >= 0x80) ascii = false;
      hash = (Math.imul(hash, 31) + c) | 0;
      pos++;
    }
    const stop = pos;
    this.pos = pos + 1;
    if (!ascii) return buf.toString('utf8', start, stop);
    if (stop - start > MAX_INTERNED_BYTES) return buf.toString('latin1', start, stop);
    const known = interned.get(hash);
    if (known !== undefined && this.sameAscii(known, start, stop)) {
      this.repeated = true;
      return known;
    }
    const value = buf.toString('latin1', start, stop);
    if (interned.size >= MAX_INTERNED) interned.clear();
    interned.set(hash, value);
    return value;
  }

  /** The rest of a string that holds escapes; raw runs between them are UTF-8 (a backslash never splits a character). */
  private readEscapedString(start: number): string {
    const buf = this.buf;
    let out = '';
    let run = start;
    while (this.pos < this.len) {
      const c = buf[this.pos]!;
      if (c === QUOTE) {
        out += buf.toString('utf8', run, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) decline();
      if (c === BACKSLASH) {
        out += buf.toString('utf8', run, this.pos);
        this.escapeAt(this.pos);
        out += this.escaped;
        run = this.pos;
      } else this.pos++;
    }
    return decline();
  }

  private sameAscii(text: string, start: number, stop: number): boolean {
    if (text.length !== stop - start) return false;
    const buf = this.buf;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buf[start + i]) return false;
    return true;
  }

  /** At a number: its value, as JSON.parse gives it; anything that is not a JSON number declines. */
  readNumber(): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
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
    this.pos = pos;
    // Short integers (ports, sizes, status codes, enums) without a string in between.
    if (integer && pos - start <= 15) {
      let value = 0;
      const negative = buf[start] === MINUS;
      for (let i = negative ? start + 1 : start; i < pos; i++) value = value * 10 + (buf[i]! - 0x30);
      return negative ? -value : value;
    }
    return Number(buf.toString('latin1', start, pos));
  }
}
