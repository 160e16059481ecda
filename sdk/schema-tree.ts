import { PII_CLASSES, type FieldType } from '../common/types.js';
import { joinPath, pathSegment } from './field-path.js';
import { jsonStringAt } from './json-string.js';
import { classifyValue, describeFieldName, fieldNameInfo, mayMatchByValue, type ClassifierOptions, type KeyInfo } from './pii-classifier.js';

/** Bounds on how much of one body is walked. */
export interface ShapeLimits {
  /** Distinct `path:type` entries kept. Default 256. */
  maxFields: number;
  /** Nesting depth walked; deeper containers are recorded by type only. Default 16. */
  maxDepth: number;
}

/** The shape of one body: `path:type` and `path:class` entries, never values. */
export interface BodyShape {
  fields: string[];
  pii: string[];
  /** A bound was hit (bytes, fields, depth) or the JSON was cut: the shape is what was seen. */
  truncated: boolean;
}

// Field types as bits, in the order of TYPE_NAMES.
const TYPE_NAMES: ReadonlyArray<FieldType> = ['string', 'number', 'boolean', 'null', 'object', 'array'];
export const STRING = 1;
export const NUMBER = 2;
export const BOOLEAN = 4;
export const NULL = 8;
export const OBJECT = 16;
export const ARRAY = 32;

// PII classes as bits, so a node's classes are one number that compares in one step. Classes
// are the built-in ones plus configured custom ones, a fixed handful per process; past 31 the
// walk still works but that body's result is not reused.
const classBits = new Map<string, number>();
const classNames: string[] = [];
// The built-in classes always have a bit, whatever custom classes come along.
for (const piiClass of PII_CLASSES) classBit(piiClass);

function classBit(piiClass: string): number {
  let index = classBits.get(piiClass);
  if (index === undefined) {
    if (classNames.length >= 31) return 0;
    index = classNames.length;
    classNames.push(piiClass);
    classBits.set(piiClass, index);
  }
  return 1 << index;
}

/**
 * One field path of a body's schema; array elements share their array's element node. Nodes
 * outlive a walk when the tree is kept for a route: `gen` says which walk `types`/`pii` belong
 * to, `shownGen`/`shownTypes`/`shownPii` what the last rendered result held, and the rendered
 * `path:type` / `path:class` strings are kept, so a body with a known schema renders nothing.
 */
export interface SchemaNode {
  path: string;
  /** The raw key its values are classified under (an array's element inherits its array's); see stableKey. */
  key: string;
  gen: number;
  types: number;
  pii: number;
  /** Classes past the 31 bit slots (only with many custom classes). */
  extraPii: Set<string> | undefined;
  shownGen: number;
  shownTypes: number;
  shownPii: number;
  /** `children` is keyed by raw key (cheap to hash); keys that are values are not kept. */
  children: Map<string, SchemaNode> | undefined;
  /** Two raw keys that escape to the same segment (`a:b`, `a_b`) share one node. */
  bySegment: Map<string, SchemaNode> | undefined;
  /** Named children in the order the last object here listed them (see SchemaTree.member). */
  order: SchemaNode[] | undefined;
  element: SchemaNode | undefined;
  typeText: Array<string | undefined> | undefined;
  piiText: Array<string | undefined> | undefined;
  /**
   * False when different raw keys reach this node (keys that are values, `{key}`), so nothing
   * about the key may be cached on it, `key` included. Otherwise `info` is the key's name analysis and
   * `numberPii` the classes any number under it gets (a number matches by name only), -1 until known.
   */
  stableKey: boolean;
  /**
   * A stable key JSON writes as itself (no quote, backslash or control character), so its text in
   * a body can be compared with it in place (see SchemaTree.knownMember).
   */
  plainKey: boolean;
  info: KeyInfo | undefined;
  numberPii: number;
}

const QUOTE = 34;
/** Characters JSON must escape in a string: a key holding one is never written as itself. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * Whether `text[start, end)` is `key`. Keys are short, and a loop the JIT inlines beats a
 * `startsWith` builtin call at an offset, which is the commonest step of a scan.
 */
function sameKey(key: string, text: string, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}

const newNode = (path: string, key: string, stableKey: boolean): SchemaNode => ({
  path,
  key: stableKey ? key : '',
  stableKey,
  plainKey: stableKey && !NEEDS_ESCAPE.test(key),
  info: undefined,
  numberPii: -1,
  gen: 0,
  types: 0,
  pii: 0,
  extraPii: undefined,
  shownGen: -1,
  shownTypes: 0,
  shownPii: 0,
  children: undefined,
  bySegment: undefined,
  order: undefined,
  element: undefined,
  typeText: undefined,
  piiText: undefined,
});

/**
 * A body schema tree, fresh per body or kept per route (see {@link ShapeMemo}). A scanner walks
 * one body through it ({@link begin}, then a field, element or leaf call per value it meets,
 * then {@link finish}); the nodes reached are marked, and when the marks equal those of the last
 * result, that result is handed out again (copied), so a route that keeps sending the same
 * schema pays for the scan and the PII checks, not for building paths, strings and arrays.
 */
export class SchemaTree {
  private root = newNode('', '', true);
  private nodes = 0;
  private gen = 0;
  private entries = 0;
  private truncated = false;
  private uncacheable = false;
  private last: BodyShape | undefined;
  private lastGen = -1;
  private lastCount = 0;
  /** Hash of the last result's fields, computed by whoever asks first. */
  lastHash: string | undefined;

  constructor(
    private readonly limits: ShapeLimits,
    private readonly classifier: ClassifierOptions,
  ) {}

  /** Starts a body; returns its root, which holds the top-level value but is no field itself. */
  begin(): SchemaNode {
    // Keys that are free text would grow a kept tree forever; start over past a generous bound.
    if (this.nodes > 2 * this.limits.maxFields + 64) {
      this.root = newNode('', '', true);
      this.nodes = 0;
      this.last = undefined;
    }
    this.gen++;
    this.entries = 0;
    this.truncated = false;
    this.uncacheable = false;
    this.root.gen = this.gen;
    return this.root;
  }

  /** True once the field budget is spent and a bound was hit: nothing more can count, the walk should end. */
  get exhausted(): boolean {
    return this.truncated && this.entries >= this.limits.maxFields;
  }

  /**
   * Records a value of `type` (a type bit) under `node`. False when that would take a field past
   * the budget: the value is not recorded and the walk should end.
   */
  typed(node: SchemaNode, type: number): boolean {
    if (node === this.root) return true;
    this.touch(node);
    return this.addType(node, type);
  }

  /** Whether the members of a container at `depth` may be walked; past maxDepth they are not, and the shape is truncated. */
  mayEnter(depth: number): boolean {
    if (depth < this.limits.maxDepth) return true;
    this.truncated = true;
    return false;
  }

  /**
   * The `index`-th member of `parent` when the key starting at `text[start]` is the one that
   * position held last time and ends there: a route's bodies list their keys in the same order,
   * so most keys are recognised without searching for their closing quote. Only keys JSON writes
   * as themselves qualify (see plainKey); undefined otherwise, and `member` decides.
   */
  knownMember(parent: SchemaNode, index: number, text: string, start: number): SchemaNode | undefined {
    const last = parent.order?.[index];
    if (last === undefined || !last.plainKey) return undefined;
    const end = start + last.key.length;
    return end < text.length && text.charCodeAt(end) === QUOTE && sameKey(last.key, text, start, end) ? last : undefined;
  }

  /**
   * The child of `parent` for the key at `text[start, end)` (JSON string contents, `escaped` if
   * they hold escapes), the `index`-th member of its object, for keys `knownMember` did not
   * recognise in place; undefined when the key does not decode. The child is remembered for that
   * position. A key new to the tree is decoded into a string of its own before it is kept.
   */
  member(parent: SchemaNode, index: number, text: string, start: number, end: number, escaped: boolean): SchemaNode | undefined {
    let child = escaped ? undefined : parent.children?.get(text.slice(start, end));
    if (!child) {
      const key = jsonStringAt(text, start, end);
      if (key === undefined) return undefined;
      child = this.field(parent, key);
    }
    if (child.stableKey) (parent.order ??= [])[index] = child;
    return child;
  }

  /** The child of `parent` for `key`, added when new. The key may be kept: it must not be a slice of the body (see jsonStringAt). */
  private field(parent: SchemaNode, key: string): SchemaNode {
    const known = parent.children?.get(key);
    if (known) return known;
    const segment = pathSegment(key);
    const bySegment = (parent.bySegment ??= new Map());
    let child = bySegment.get(segment);
    if (!child) {
      child = newNode(joinPath(parent.path, segment), key, segment !== '{key}');
      bySegment.set(segment, child);
      this.nodes++;
    }
    // A key that is a value (an email, an id) must not stay in memory past this body.
    if (segment !== '{key}') (parent.children ??= new Map()).set(key, child);
    return child;
  }

  /** The node every element of the array at `parent` shares. */
  element(parent: SchemaNode): SchemaNode {
    let element = parent.element;
    if (!element) {
      element = parent.element = newNode(parent.path === '' ? '[]' : `${parent.path}[]`, parent.key, parent.stableKey);
      this.nodes++;
    }
    return element;
  }

  /**
   * A string value under `node`, found under field `key`: `text[start, end)` are its JSON string
   * contents, `escaped` says whether they hold escapes. The value is decoded only when its field
   * name, a custom class or its characters could make it PII, which most values cannot.
   */
  string(node: SchemaNode, key: string, text: string, start: number, end: number, escaped: boolean): void {
    const info = this.nameInfo(node, key);
    if (!escaped && !info.hint && this.classifier.custom.length === 0 && !mayMatchByValue(text, start, end)) return;
    const value = jsonStringAt(text, start, end);
    if (value !== undefined) this.classify(node, value, key, info);
  }

  /** A number value under `node`, found under field `key`, written as `text[start, end)`. */
  number(node: SchemaNode, key: string, text: string, start: number, end: number): void {
    // Built-in classes match a number by its field name only; only custom classes look at its
    // digits. Without them a named field's verdict is fixed, so it is worked out once.
    const byNameOnly = node.stableKey && this.classifier.custom.length === 0;
    if (byNameOnly && node.numberPii !== -1) {
      node.pii |= node.numberPii;
      return;
    }
    const bits = this.classify(node, Number(text.slice(start, end)), key, this.nameInfo(node, key));
    if (byNameOnly) node.numberPii = bits;
  }

  private touch(node: SchemaNode): void {
    if (node.gen === this.gen) return;
    node.gen = this.gen;
    node.types = 0;
    node.pii = 0;
    node.extraPii = undefined;
  }

  /** A named field's own (owned) key; a key that is a value is only known to the walk. */
  private keyOf(node: SchemaNode, key: string): string {
    return node.stableKey ? node.key : key;
  }

  /** What the field name says: kept on the node for names, worked out afresh for keys that are values. */
  private nameInfo(node: SchemaNode, key: string): KeyInfo {
    return node.stableKey ? (node.info ??= fieldNameInfo(node.key)) : describeFieldName(key);
  }

  /** Adds the value's classes to the node; returns their bits (0 with classes past the bits). */
  private classify(node: SchemaNode, value: string | number, key: string, info: KeyInfo): number {
    let bits = 0;
    for (const m of classifyValue(value, this.keyOf(node, key), this.classifier, info)) {
      const bit = classBit(m.piiClass);
      if (bit !== 0) bits |= bit;
      else {
        (node.extraPii ??= new Set()).add(m.piiClass);
        this.uncacheable = true;
      }
    }
    node.pii |= bits;
    return bits;
  }

  /** False once the field budget is spent; a type already known on the node is always fine. */
  private addType(node: SchemaNode, bit: number): boolean {
    if ((node.types & bit) !== 0) return true;
    if (this.entries >= this.limits.maxFields) {
      this.truncated = true;
      return false;
    }
    node.types |= bit;
    this.entries++;
    return true;
  }

  /** The shape of the body just walked; `cut` says the walk did not see all of it. */
  finish(cut: boolean): BodyShape {
    const truncated = this.truncated || cut;
    const last = this.last;
    if (last && !this.uncacheable && last.truncated === truncated && this.unchanged()) {
      return { fields: last.fields.slice(), pii: last.pii.slice(), truncated };
    }
    const fields: string[] = [];
    const pii: string[] = [];
    let count = 0;
    const render = (node: SchemaNode): void => {
      if (node !== this.root && node.types !== 0) {
        count++;
        node.shownGen = this.gen;
        node.shownTypes = node.types;
        node.shownPii = node.pii;
        const typeText = (node.typeText ??= []);
        for (let i = 0; i < TYPE_NAMES.length; i++) {
          if ((node.types & (1 << i)) !== 0) fields.push((typeText[i] ??= `${node.path}:${TYPE_NAMES[i]}`));
        }
        if (node.pii !== 0) {
          const piiText = (node.piiText ??= []);
          for (let i = 0; i < classNames.length; i++) {
            if ((node.pii & (1 << i)) !== 0) pii.push((piiText[i] ??= `${node.path}:${classNames[i]}`));
          }
        }
        if (node.extraPii) for (const cls of node.extraPii) pii.push(`${node.path}:${cls}`);
      }
      if (node.bySegment) for (const child of node.bySegment.values()) if (child.gen === this.gen) render(child);
      if (node.element && node.element.gen === this.gen) render(node.element);
    };
    render(this.root);
    this.last = { fields, pii, truncated };
    this.lastGen = this.gen;
    this.lastCount = count;
    this.lastHash = undefined;
    return { fields: fields.slice(), pii: pii.slice(), truncated };
  }

  /** True when this walk reached exactly the nodes, types and classes of the last result. */
  private unchanged(): boolean {
    let count = 0;
    const same = (node: SchemaNode): boolean => {
      if (node !== this.root && node.types !== 0) {
        if (node.shownGen !== this.lastGen || node.shownTypes !== node.types || node.shownPii !== node.pii) return false;
        count++;
      }
      if (node.bySegment) for (const child of node.bySegment.values()) if (child.gen === this.gen && !same(child)) return false;
      return !(node.element && node.element.gen === this.gen && !same(node.element));
    };
    return same(this.root) && count === this.lastCount;
  }
}
