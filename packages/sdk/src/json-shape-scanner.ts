import { jsonStringAt, jsonStringEnd } from './json-string.js';
import { ARRAY, BOOLEAN, NULL, NUMBER, OBJECT, STRING, type SchemaNode } from './schema-node.js';
import type { BodyShape, SchemaTree } from './schema-tree.js';

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const UPPER_E = 69;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const LOWER_E = 101;
const LOWER_F = 102;
const LOWER_N = 110;
const LOWER_T = 116;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const BYTE_ORDER_MARK = 0xfeff;
/** What `code()` reads past the end of the text. */
const END = -1;

/**
 * The shape of a JSON body, read in one pass over its text into `tree`: field paths and types
 * straight from the characters, without building the value. `JSON.parse` would allocate every
 * object, key and string of the body only for a walk to drop them again; here a known key is
 * matched in place, and a string value is decoded only when the classifier wants it.
 *
 * The text may be cut anywhere (a body kept up to the byte bound) or broken: what comes before
 * the cut or the syntax error counts, and the shape is marked truncated. Undefined when the text
 * is not JSON at all. A top-level scalar is JSON without fields. A body the tree's template
 * matches (see SchemaTemplate) is answered without this scan.
 */
export function scanJsonShape(text: string, tree: SchemaTree, cut: boolean): BodyShape | undefined {
  const known = cut ? undefined : tree.fromTemplate(text);
  if (known) return known;
  const scanner = new JsonShapeScanner(text, tree);
  const root = tree.begin();
  const first = scanner.skipWhitespace();
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return isJson(text) ? tree.finish(cut) : undefined;
  const complete = scanner.value(root, '', 0) && scanner.atEnd();
  return tree.finish(cut || !complete, scanner.spaced);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The scanning state for one text. Each `value`-reading method starts at the value's first
 * character and returns false when the scan must end there: end of text, a syntax error, or the
 * tree's field budget spent (the tree then knows it is truncated).
 */
class JsonShapeScanner {
  private pos = 0;
  /** Whether whitespace was met between tokens (the body is not minified). */
  spaced = false;
  /** Index of the first backslash at or after `pos` as of the last look: strings before it hold no escapes. */
  private backslash = -1;

  constructor(
    private readonly text: string,
    private readonly tree: SchemaTree,
  ) {
    // Some servers start UTF-8 JSON with a byte order mark.
    if (this.code(0) === BYTE_ORDER_MARK) this.pos = 1;
  }

  /**
   * The character code at `pos`, END past the end of the text. charCodeAt would return NaN
   * there, and once V8 has seen that, its optimised code takes the slow path on every read.
   */
  private code(pos: number): number {
    return pos < this.text.length ? this.text.charCodeAt(pos) : END;
  }

  /**
   * The next character code that is not whitespace (END at the end of the text). Bodies are
   * mostly minified, so the first character is checked before the loop is called.
   */
  private next(): number {
    const c = this.code(this.pos);
    return c > SPACE ? c : this.skipWhitespace();
  }

  /** Steps over whitespace; returns the next character code (END at the end of the text). */
  skipWhitespace(): number {
    let pos = this.pos;
    let c = this.code(pos);
    while (c === SPACE || c === LF || c === CR || c === TAB) c = this.code(++pos);
    if (pos !== this.pos) this.spaced = true;
    this.pos = pos;
    return c;
  }

  /** True when only whitespace is left. */
  atEnd(): boolean {
    this.skipWhitespace();
    return this.pos >= this.text.length;
  }

  /** The value at `pos`, into `node`; `key` is the field it was found under. */
  value(node: SchemaNode, key: string, depth: number): boolean {
    switch (this.code(this.pos)) {
      case QUOTE:
        return this.string(node, key);
      case OPEN_BRACE:
        return this.object(node, depth);
      case OPEN_BRACKET:
        return this.array(node, key, depth);
      case LOWER_T:
        return this.literal('true', node, BOOLEAN);
      case LOWER_F:
        return this.literal('false', node, BOOLEAN);
      case LOWER_N:
        return this.literal('null', node, NULL);
      default:
        return this.number(node, key);
    }
  }

  private object(node: SchemaNode, depth: number): boolean {
    const tree = this.tree;
    if (!tree.typed(node, OBJECT)) return false;
    if (!tree.mayEnter(depth)) return this.skipContainer();
    this.pos++;
    if (this.next() === CLOSE_BRACE) {
      this.pos++;
      tree.closed(node, 0);
      return true;
    }
    for (let index = 0; ; index++) {
      if (tree.exhausted || this.next() !== QUOTE) return false;
      const start = this.pos + 1;
      let child = tree.knownMember(node, index, this.text, start);
      let end: number;
      if (child) end = start + child.key.length;
      else {
        end = jsonStringEnd(this.text, start);
        if (end === -1) return false;
        child = tree.member(node, index, this.text, start, end, this.escaped(start, end));
        if (!child) return false;
      }
      // A key that is a value is not kept on its node, so it is decoded for this body alone.
      const key = child.stableKey ? child.key : (jsonStringAt(this.text, start, end) ?? '');
      this.pos = end + 1;
      if (this.next() !== COLON) return false;
      this.pos++;
      this.next();
      if (!this.value(child, key, depth + 1)) return false;
      const next = this.next();
      this.pos++;
      if (next === CLOSE_BRACE) {
        tree.closed(node, index + 1);
        return true;
      }
      if (next !== COMMA) return false;
    }
  }

  private array(node: SchemaNode, key: string, depth: number): boolean {
    const tree = this.tree;
    if (!tree.typed(node, ARRAY)) return false;
    if (!tree.mayEnter(depth)) return this.skipContainer();
    const element = tree.element(node);
    this.pos++;
    if (this.next() === CLOSE_BRACKET) {
      this.pos++;
      return true;
    }
    for (;;) {
      if (tree.exhausted) return false;
      this.next();
      if (!this.value(element, key, depth + 1)) return false;
      const next = this.next();
      this.pos++;
      if (next === CLOSE_BRACKET) return true;
      if (next !== COMMA) return false;
    }
  }

  private string(node: SchemaNode, key: string): boolean {
    const start = this.pos + 1;
    const end = jsonStringEnd(this.text, start);
    // A string cut by the end of the text still counts, with the part that is there.
    const stop = end === -1 ? this.text.length : end;
    if (!this.tree.typed(node, STRING)) return false;
    this.tree.string(node, key, this.text, start, stop, this.escaped(start, stop));
    this.pos = stop + 1;
    return end !== -1;
  }

  private literal(word: string, node: SchemaNode, type: number): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return this.tree.typed(node, type);
  }

  /** `-?\d+(\.\d+)?([eE][+-]?\d+)?`: a fraction or exponent without digits is not part of it. */
  private number(node: SchemaNode, key: string): boolean {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (this.code(pos) === MINUS) pos++;
    const integer = this.digitsFrom(pos);
    if (integer === pos) return false;
    pos = integer;
    if (this.code(pos) === DOT) {
      const fraction = this.digitsFrom(pos + 1);
      if (fraction > pos + 1) pos = fraction;
    }
    const e = this.code(pos);
    if (e === LOWER_E || e === UPPER_E) {
      const sign = this.code(pos + 1);
      const digits = sign === PLUS || sign === MINUS ? pos + 2 : pos + 1;
      const exponent = this.digitsFrom(digits);
      if (exponent > digits) pos = exponent;
    }
    this.pos = pos;
    if (!this.tree.typed(node, NUMBER)) return false;
    this.tree.number(node, key, text, start, pos);
    return true;
  }

  private digitsFrom(pos: number): number {
    let c = this.code(pos);
    while (c >= ZERO && c <= NINE) c = this.code(++pos);
    return pos;
  }

  /** Steps over a container that lies past the depth bound, without looking inside. */
  private skipContainer(): boolean {
    const text = this.text;
    let open = 0;
    for (let pos = this.pos; pos < text.length; pos++) {
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        pos = jsonStringEnd(text, pos + 1);
        if (pos === -1) break;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) open++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --open === 0) {
        this.pos = pos + 1;
        return true;
      }
    }
    this.pos = text.length;
    return false;
  }

  /** Whether `text[start, end)` holds a backslash; one search serves every string up to the next one. */
  private escaped(start: number, end: number): boolean {
    if (this.backslash < start) {
      const next = this.text.indexOf('\\', start);
      this.backslash = next === -1 ? this.text.length : next;
    }
    return this.backslash < end;
  }
}
