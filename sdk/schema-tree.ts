import { PII_CLASSES, type FieldType } from '../common/types.js';
import { joinPath, pathSegment } from './field-path.js';
import { classifyValue, fieldNameInfo, type ClassifierOptions, type KeyInfo } from './pii-classifier.js';

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

const TYPE_NAMES: ReadonlyArray<FieldType> = ['string', 'number', 'boolean', 'null', 'object', 'array'];
const STRING = 1;
const NUMBER = 2;
const BOOLEAN = 4;
const NULL = 8;
const OBJECT = 16;
const ARRAY = 32;

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
interface SchemaNode {
  path: string;
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
  element: SchemaNode | undefined;
  typeText: Array<string | undefined> | undefined;
  piiText: Array<string | undefined> | undefined;
  /**
   * False when different raw keys reach this node (keys that are values, `{key}`), so nothing
   * about the key may be cached on it. Otherwise `info` is the key's name analysis and
   * `numberPii` the classes any number under it gets (a number matches by name only), -1 until known.
   */
  stableKey: boolean;
  info: KeyInfo | undefined;
  numberPii: number;
}

const newNode = (path: string, stableKey = true): SchemaNode => ({
  path,
  stableKey,
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
  element: undefined,
  typeText: undefined,
  piiText: undefined,
});

/**
 * A body schema tree, fresh per body or kept per route (see {@link ShapeMemo}). Walking a body
 * marks the nodes it reaches; when the marks equal those of the last result, that result is
 * handed out again (copied), so a route that keeps sending the same schema pays for the walk
 * and the PII checks, not for building paths, strings and arrays.
 */
export class SchemaTree {
  private root = newNode('');
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

  /** Walks one parsed body and returns its shape. */
  shape(value: unknown, cut: boolean): BodyShape {
    // Keys that are free text would grow a kept tree forever; start over past a generous bound.
    if (this.nodes > 2 * this.limits.maxFields + 64) {
      this.root = newNode('');
      this.nodes = 0;
      this.last = undefined;
    }
    this.gen++;
    this.entries = 0;
    this.truncated = false;
    this.uncacheable = false;
    this.root.gen = this.gen;
    this.visit(value, this.root, '', 0);
    return this.result(cut);
  }

  private touch(node: SchemaNode): void {
    if (node.gen === this.gen) return;
    node.gen = this.gen;
    node.types = 0;
    node.pii = 0;
    node.extraPii = undefined;
  }

  private visit(value: unknown, node: SchemaNode, key: string, depth: number): void {
    const type = typeBitOf(value);
    if (node !== this.root) {
      this.touch(node);
      if (!this.addType(node, type)) return;
    }
    if (type === OBJECT || type === ARRAY) {
      if (depth >= this.limits.maxDepth) {
        this.truncated = true;
        return;
      }
      if (type === ARRAY) {
        let element = node.element;
        if (!element) {
          element = node.element = newNode(node.path === '' ? '[]' : `${node.path}[]`, node.stableKey);
          this.nodes++;
        }
        for (const item of value as unknown[]) {
          if (this.truncated && this.entries >= this.limits.maxFields) return;
          this.visit(item, element, key, depth + 1);
        }
        return;
      }
      const object = value as Record<string, unknown>;
      for (const k in object) {
        if (this.truncated && this.entries >= this.limits.maxFields) return;
        this.visit(object[k], this.child(node, k), k, depth + 1);
      }
      return;
    }
    if (type === STRING || type === NUMBER) {
      if (!node.stableKey) {
        this.classify(node, value as string | number, key, undefined);
        return;
      }
      const info = (node.info ??= fieldNameInfo(key));
      // Custom classes may test a number's text, so only without them is a number's verdict fixed.
      if (type === NUMBER && this.classifier.custom.length === 0) {
        if (node.numberPii === -1) node.numberPii = this.classify(node, value as number, key, info);
        node.pii |= node.numberPii;
        return;
      }
      this.classify(node, value as string | number, key, info);
    }
  }

  /** Adds the value's classes to the node; returns their bits (0 with classes past the bits). */
  private classify(node: SchemaNode, value: string | number, key: string, info: KeyInfo | undefined): number {
    let bits = 0;
    for (const m of classifyValue(value, key, this.classifier, info)) {
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

  private child(node: SchemaNode, key: string): SchemaNode {
    const known = node.children?.get(key);
    if (known) return known;
    const segment = pathSegment(key);
    const bySegment = (node.bySegment ??= new Map());
    let child = bySegment.get(segment);
    if (!child) {
      child = newNode(joinPath(node.path, segment), segment !== '{key}');
      bySegment.set(segment, child);
      this.nodes++;
    }
    // A key that is a value (an email, an id) must not stay in memory past this body.
    if (segment !== '{key}') (node.children ??= new Map()).set(key, child);
    return child;
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

  private result(cut: boolean): BodyShape {
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

function typeBitOf(value: unknown): number {
  if (value === null || value === undefined) return NULL;
  switch (typeof value) {
    case 'string':
      return STRING;
    case 'number':
      return NUMBER;
    case 'boolean':
      return BOOLEAN;
    case 'object':
      return Array.isArray(value) ? ARRAY : OBJECT;
    default:
      return STRING;
  }
}
