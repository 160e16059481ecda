/**
 * A tolerant JSON reader for bodies cut at the inspection bound: it returns the value built from
 * the bytes it has, closing open objects, arrays and strings at the end of input. Used only when
 * `JSON.parse` fails, so the common case stays on the native parser.
 */
export interface PartialJson {
  value: unknown;
  /** False when the input ended early or had a syntax error (what came before is kept). */
  complete: boolean;
}

class EndOfInput extends Error {}

export function parsePartialJson(text: string): PartialJson {
  const reader = new Reader(text);
  const holder: { value: unknown } = { value: undefined };
  try {
    reader.skipWs();
    holder.value = reader.readValue((v) => (holder.value = v));
    reader.skipWs();
    return { value: holder.value, complete: reader.atEnd() };
  } catch {
    return { value: holder.value, complete: false };
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipWs(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private peek(): string {
    if (this.pos >= this.text.length) throw new EndOfInput();
    return this.text[this.pos] ?? '';
  }

  /** `publish` receives containers as soon as they exist so a cut leaves them in place. */
  readValue(publish: (v: unknown) => void): unknown {
    const ch = this.peek();
    if (ch === '{') return this.readObject(publish);
    if (ch === '[') return this.readArray(publish);
    if (ch === '"') {
      const s = this.readString(true);
      publish(s);
      return s;
    }
    const literal = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.text.slice(this.pos, this.pos + 64));
    if (!literal) throw new SyntaxError('unexpected token');
    this.pos += literal[0].length;
    const v: unknown = literal[0] === 'true' ? true : literal[0] === 'false' ? false : literal[0] === 'null' ? null : Number(literal[0]);
    publish(v);
    return v;
  }

  private readObject(publish: (v: unknown) => void): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    publish(obj);
    this.pos++;
    this.skipWs();
    if (this.peek() === '}') {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipWs();
      if (this.peek() !== '"') throw new SyntaxError('expected key');
      const key = this.readString(false);
      this.skipWs();
      if (this.peek() !== ':') throw new SyntaxError('expected colon');
      this.pos++;
      this.skipWs();
      this.readValue((v) => {
        obj[key] = v;
      });
      this.skipWs();
      const next = this.peek();
      this.pos++;
      if (next === '}') return obj;
      if (next !== ',') throw new SyntaxError('expected comma');
    }
  }

  private readArray(publish: (v: unknown) => void): unknown[] {
    const arr: unknown[] = [];
    publish(arr);
    this.pos++;
    this.skipWs();
    if (this.peek() === ']') {
      this.pos++;
      return arr;
    }
    for (;;) {
      this.skipWs();
      const index = arr.length;
      this.readValue((v) => {
        arr[index] = v;
      });
      this.skipWs();
      const next = this.peek();
      this.pos++;
      if (next === ']') return arr;
      if (next !== ',') throw new SyntaxError('expected comma');
    }
  }

  /** A cut inside a value string yields the part read so far; a cut inside a key throws. */
  private readString(allowCut: boolean): string {
    const start = ++this.pos;
    const end = this.text.indexOf('"', start);
    // Fast path: no escapes before the closing quote.
    if (end !== -1 && this.text.lastIndexOf('\\', end) < start) {
      this.pos = end + 1;
      return this.text.slice(start, end);
    }
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos++];
      if (ch === '"') return out;
      if (ch === '\\') {
        const esc = this.text[this.pos++];
        if (esc === undefined) break;
        if (esc === 'u') {
          const hex = this.text.slice(this.pos, this.pos + 4);
          if (hex.length < 4) break;
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
        } else out += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[esc] ?? esc;
      } else out += ch;
    }
    if (!allowCut) throw new EndOfInput();
    return out;
  }
}
