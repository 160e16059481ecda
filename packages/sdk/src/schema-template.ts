import { NO_PII_LOOKS_STRING } from './pii-classifier.js';
import { ARRAY, BOOLEAN, NULL, NUMBER, OBJECT, STRING, type SchemaNode } from './schema-node.js';

/** JSON whitespace; `\s` would also take characters JSON does not allow between tokens. */
const JSON_WHITESPACE = '[ \\t\\n\\r]*';
/** What the scanner reads as one complete number. */
const NUMBER_LITERAL = String.raw`-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`;
/** A whole JSON string literal, escapes included, captured for the classifier. */
const CAPTURED_STRING = String.raw`("[^"\\]*(?:\\[^][^"\\]*)*")`;
/**
 * A string literal the value detectors rule out (NO_PII_LOOKS_STRING), read in one way only.
 * That pattern's branches overlap ("ab" fits three of them); inside a lookahead, which JavaScript
 * never backtracks into, they cannot multiply: otherwise a body that fails late would retry every
 * combination over the strings before it (3^n steps). Every other piece of a template matches a
 * given text in one way too, so a miss costs about one pass over the body.
 */
const PLAIN_STRING = `(?=${NO_PII_LOOKS_STRING})"[^"\\\\]*"`;
/**
 * V8 compiles an expression to ~15 bytes of machine code per source character (a 40-field
 * schema ~1,500 characters, ~24 KB; 256 fields ~10,000, ~150 KB). One template stays under
 * this, and all of a memo's under TEMPLATE_BUDGET_CHARS, so templates cost a service a few MB at
 * most.
 */
const MAX_SOURCE_CHARS = 16 * 1024;
const TEMPLATE_BUDGET_CHARS = 256 * 1024;

/** The source characters the templates of one memo's trees may hold together (see MAX_SOURCE_CHARS). */
export class TemplateBudget {
  private used = 0;

  constructor(private readonly limitChars = TEMPLATE_BUDGET_CHARS) {}

  /** Swaps a template of `oldChars` for one of `newChars` if that fits; false (nothing changes) if not. */
  swap(oldChars: number, newChars: number): boolean {
    if (this.used - oldChars + newChars > this.limitChars) return false;
    this.used += newChars - oldChars;
    return true;
  }
}

/**
 * A route's last body schema compiled into one regular expression, which V8 runs as native code
 * several times faster than a character loop in JavaScript: a body it matches has exactly the
 * schema of the body it was built from (same keys in the same order, same types, arrays empty
 * or not as before), so its fields are known without scanning it. What still depends on the
 * values is worked out from the match:
 * - a string outside arrays is captured and handed to the classifier, as a scan would;
 * - a string inside an array must look like nothing the value detectors want
 *   (NO_PII_LOOKS_STRING) and sit under a field name that hints at no class, so it adds no class;
 * - a number's classes come from its field name alone (numberPii), known once per field.
 * Anything else (another key order, an email inside an array element, an escaped key, a new
 * field) does not match, and the body is scanned: a template may decline a body, never answer
 * differently from a scan. Holds keys, never values.
 */
export class SchemaTemplate {
  private constructor(
    /** The expression's source, to tell whether a rebuilt template is the same one. */
    readonly source: string,
    private readonly regex: RegExp,
    /** Every field of the schema with its one type, as the scan that built it found them. */
    readonly fields: ReadonlyArray<SchemaNode>,
    readonly types: ReadonlyArray<number>,
    /** The field of each capture group, in group order. */
    readonly captured: ReadonlyArray<SchemaNode>,
  ) {}

  /**
   * The template of the body just walked into the tree (`gen`), which holds `fieldCount` fields
   * and whose top-level value was `rootType`. Undefined when the schema cannot be told by its
   * text alone: a field with two types, a key that is a value or needs escapes, an array whose
   * elements differ, a string field inside an array that can hold PII. `spaced` says the body
   * had whitespace between tokens: a template for minified bodies (most APIs send them) allows
   * none, which makes it faster; a route that switches between the two gets a new template.
   */
  static of(
    root: SchemaNode,
    rootType: number,
    gen: number,
    fieldCount: number,
    spaced: boolean,
    hinted: (node: SchemaNode) => boolean,
  ): SchemaTemplate | undefined {
    if (rootType !== OBJECT && rootType !== ARRAY) return undefined;
    const ws = spaced ? JSON_WHITESPACE : '';
    const builder = new TemplateBuilder(gen, ws, hinted);
    const body = builder.value(root, rootType, false);
    if (body === undefined || builder.fields.length !== fieldCount) return undefined;
    const source = `^\\uFEFF?${ws}${body}${ws}$`;
    if (source.length > MAX_SOURCE_CHARS) return undefined;
    return new SchemaTemplate(source, new RegExp(source), builder.fields, builder.types, builder.captured);
  }

  /** The match of `text`, or null. Group i + 1 holds the literal of `captured[i]`. */
  match(text: string): RegExpExecArray | null {
    return this.regex.exec(text);
  }
}

class TemplateBuilder {
  readonly fields: SchemaNode[] = [];
  readonly types: number[] = [];
  readonly captured: SchemaNode[] = [];
  private readonly seen = new Set<SchemaNode>();

  constructor(
    private readonly gen: number,
    /** Whitespace allowed between tokens: none, or JSON's. */
    private readonly ws: string,
    private readonly hinted: (node: SchemaNode) => boolean,
  ) {}

  value(node: SchemaNode, type: number, inArray: boolean): string | undefined {
    switch (type) {
      case OBJECT:
        return this.object(node, inArray);
      case ARRAY:
        return this.array(node);
      case STRING:
        if (!inArray) {
          this.captured.push(node);
          return CAPTURED_STRING;
        }
        // An array's strings are not looked at one by one: a class must not be possible.
        return node.pii === 0 && !this.hinted(node) ? PLAIN_STRING : undefined;
      case NUMBER:
        return node.numberPii === -1 ? undefined : NUMBER_LITERAL;
      case BOOLEAN:
        return '(?:true|false)';
      case NULL:
        return 'null';
      default:
        return undefined;
    }
  }

  /** A field reached by this walk with exactly one type, seen once in the schema. */
  private field(node: SchemaNode, inArray: boolean): string | undefined {
    const type = node.types;
    if (node.gen !== this.gen || !node.stableKey || this.seen.has(node) || type === 0 || (type & (type - 1)) !== 0) return undefined;
    this.seen.add(node);
    this.fields.push(node);
    this.types.push(type);
    return this.value(node, type, inArray);
  }

  private object(node: SchemaNode, inArray: boolean): string | undefined {
    const members: string[] = [];
    for (let i = 0; i < node.members; i++) {
      const child = node.order?.[i];
      if (child === undefined || !child.plainKey) return undefined;
      const value = this.field(child, inArray);
      if (value === undefined) return undefined;
      members.push(`"${escapeRegExp(child.key)}"${this.ws}:${this.ws}${value}`);
    }
    return `\\{${this.ws}${members.join(`${this.ws},${this.ws}`)}${this.ws}\\}`;
  }

  private array(node: SchemaNode): string | undefined {
    const element = node.element;
    if (element === undefined || element.gen !== this.gen) return `\\[${this.ws}\\]`;
    const value = this.field(element, true);
    if (value === undefined) return undefined;
    // One or more elements, each followed by a comma that another element follows, or by the
    // closing bracket: the element's pattern is written once, however deep arrays nest.
    return `\\[(?:${this.ws}${value}${this.ws}(?:,(?!${this.ws}\\])|(?=\\])))+\\]`;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Templates compiled per tree before rebuilding is rationed (a route whose schema keeps changing). */
const FREE_TEMPLATE_BUILDS = 8;
/** Once rationed, scans between two template builds. */
const SCANS_PER_TEMPLATE_BUILD = 256;
/** Most bodies a failing template is skipped for before it is tried again. */
const MAX_TEMPLATE_SKIP = 64;

/**
 * A tree's current template and the policy around it: when to try it, when to build another.
 * One miss is a value the template cannot vouch for (an email inside an array element); misses
 * in a row are a schema that moved on, so the template is tried on fewer and fewer bodies (down
 * to one in MAX_TEMPLATE_SKIP) and may be replaced. Building one costs a few µs and its first
 * matches a few hundred more (V8 compiles the expression), so past FREE_TEMPLATE_BUILDS a route
 * whose schema keeps changing gets one try per SCANS_PER_TEMPLATE_BUILD scans; the budget shared
 * with the memo's other trees bounds the compiled code.
 */
export class TemplateSlot {
  private template: SchemaTemplate | undefined;
  private misses = 0;
  private skip = 0;
  private builds = 0;
  private scansSinceBuild = 0;
  /** Bodies the template answered: for tests and diagnostics. */
  hits = 0;

  constructor(private readonly budget: TemplateBudget) {}

  /** The template and its match for `text`, or undefined: no template, skipped, or no match (then scan). */
  match(text: string): { template: SchemaTemplate; match: RegExpExecArray } | undefined {
    const template = this.template;
    if (template === undefined) return undefined;
    if (this.skip > 0) {
      this.skip--;
      return undefined;
    }
    const match = template.match(text);
    if (match === null) {
      this.misses = Math.min(this.misses + 1, 8);
      if (this.misses >= 2) this.skip = Math.min(2 ** (this.misses - 1), MAX_TEMPLATE_SKIP);
      return undefined;
    }
    this.misses = 0;
    this.hits++;
    return { template, match };
  }

  /** Counts a body that was scanned. */
  scanned(): void {
    this.scansSinceBuild++;
  }

  /**
   * Whether a template should be built now, after a scan that repeated the last result: none
   * yet, or the current one missed twice in a row; and the rebuild ration allows. Counts the build.
   */
  wantsBuild(): boolean {
    if (this.template !== undefined && this.misses < 2) return false;
    if (this.builds >= FREE_TEMPLATE_BUILDS && this.scansSinceBuild < SCANS_PER_TEMPLATE_BUILD) return false;
    this.builds++;
    this.scansSinceBuild = 0;
    return true;
  }

  /**
   * Takes a freshly built template if it is new and fits the budget; true when it is now the
   * current one. The same template again means the misses were values: it is tried again at once.
   */
  offer(template: SchemaTemplate | undefined): boolean {
    if (template === undefined) return false;
    if (template.source !== this.template?.source) {
      if (!this.budget.swap(this.template?.source.length ?? 0, template.source.length)) return false;
      this.template = template;
    }
    this.misses = 0;
    this.skip = 0;
    return this.template === template;
  }

  /** Forgets the template (its tree started over). */
  drop(): void {
    this.budget.swap(this.template?.source.length ?? 0, 0);
    this.template = undefined;
  }
}
