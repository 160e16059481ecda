import { FieldClassifier, PII_CLASS_NAMES } from './field-classifier.js';
import { joinPath, pathSegment } from './field-path.js';
import { jsonStringAt, sameKey } from './json-string.js';
import type { ClassifierOptions } from './pii-classifier.js';
import { NUMBER, TYPE_NAMES, newNode, type SchemaNode } from './schema-node.js';
import { SchemaTemplate, TemplateBudget, TemplateSlot } from './schema-template.js';

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

const QUOTE = 34;

/**
 * A body schema tree, fresh per body or kept per route (see {@link ShapeMemo}). A scanner walks
 * one body through it ({@link begin}, then a field, element or leaf call per value it meets,
 * then {@link finish}); the nodes reached are marked, and when the marks equal those of the last
 * result, that result is handed out again (copied), so a route that keeps sending the same
 * schema pays for the scan and the PII checks, not for building paths, strings and arrays.
 *
 * Once a route's schema repeats, the tree also compiles it into a {@link SchemaTemplate}, and a
 * body the template matches is not scanned at all ({@link fromTemplate}).
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
  /** The top-level value's type bit in this walk (0 for a scalar). */
  private rootType = 0;
  private readonly templates: TemplateSlot;
  /** The template whose schema the last result is (its fields, types, and constant classes). */
  private lastTemplate: SchemaTemplate | undefined;
  private replaying = false;

  private readonly classifier: FieldClassifier;

  constructor(
    private readonly limits: ShapeLimits,
    classifierOptions: ClassifierOptions,
    /** Shared by the trees of one memo (see TemplateBudget). */
    templateBudget = new TemplateBudget(),
  ) {
    this.classifier = new FieldClassifier(classifierOptions);
    this.templates = new TemplateSlot(templateBudget);
  }

  /** Bodies answered by a template: for tests and diagnostics. */
  get templateHits(): number {
    return this.templates.hits;
  }

  /** Starts a body; returns its root, which holds the top-level value but is no field itself. */
  begin(): SchemaNode {
    // Keys that are free text would grow a kept tree forever; start over past a generous bound.
    if (this.overgrown()) {
      this.root = newNode('', '', true);
      this.nodes = 0;
      this.last = undefined;
      this.templates.drop();
      this.lastTemplate = undefined;
    }
    this.gen++;
    this.rootType = 0;
    this.entries = 0;
    this.truncated = false;
    this.uncacheable = false;
    this.root.gen = this.gen;
    return this.root;
  }

  private overgrown(): boolean {
    return this.nodes > 2 * this.limits.maxFields + 64;
  }

  /**
   * The shape of `text` when the route's template matches it, without scanning it; undefined
   * when there is no template yet or the body does not match (then scan it; see TemplateSlot).
   */
  fromTemplate(text: string): BodyShape | undefined {
    if (this.overgrown()) return undefined;
    const hit = this.templates.match(text);
    if (hit === undefined) return undefined;
    const { template, match } = hit;
    // rootType is not replayed: templates are learned from scans only.
    const { fields, types, captured } = template;
    // Only the captured strings' classes depend on this body; each is worked out once. (Without
    // custom classes, which templates never have, no class lands in extraPii.)
    const classes: number[] = [];
    for (let i = 0; i < captured.length; i++) {
      const node = captured[i] as SchemaNode;
      const literal = match[i + 1] ?? '""';
      classes.push(this.classifier.string(node, node.key, literal, 1, literal.length - 1, literal.includes('\\')));
    }
    // When the last result is this template's schema, those classes are all that can change it.
    const last = this.last;
    if (last !== undefined && this.lastTemplate === template && captured.every((node, i) => classes[i] === node.shownPii)) {
      return { fields: last.fields.slice(), pii: last.pii.slice(), truncated: false };
    }
    this.begin();
    for (let i = 0; i < fields.length; i++) {
      const node = fields[i] as SchemaNode;
      const type = types[i] as number;
      this.touch(node);
      this.addType(node, type);
      if (type === NUMBER) node.pii = node.numberPii;
    }
    captured.forEach((node, i) => (node.pii |= classes[i] ?? 0));
    this.replaying = true;
    try {
      return this.finish(false);
    } finally {
      this.replaying = false;
      this.lastTemplate = template;
    }
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
    if (node === this.root) {
      this.rootType = type;
      return true;
    }
    this.touch(node);
    return this.addType(node, type);
  }

  /** An object under `node` ended after `count` members (the template copies the last one's). */
  closed(node: SchemaNode, count: number): void {
    node.members = count;
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
   * contents, `escaped` says whether they hold escapes (see FieldClassifier.string).
   */
  string(node: SchemaNode, key: string, text: string, start: number, end: number, escaped: boolean): void {
    node.pii |= this.classifier.string(node, key, text, start, end, escaped);
    if (node.extraPii !== undefined) this.uncacheable = true;
  }

  /** A number value under `node`, found under field `key`, written as `text[start, end)`. */
  number(node: SchemaNode, key: string, text: string, start: number, end: number): void {
    node.pii |= this.classifier.number(node, key, text, start, end);
    if (node.extraPii !== undefined) this.uncacheable = true;
  }

  private touch(node: SchemaNode): void {
    if (node.gen === this.gen) return;
    node.gen = this.gen;
    node.types = 0;
    node.pii = 0;
    node.extraPii = undefined;
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

  /**
   * The shape of the body just walked; `cut` says the walk did not see all of it, `spaced` that
   * it had whitespace between tokens (for the template, see SchemaTemplate.of).
   */
  finish(cut: boolean, spaced = false): BodyShape {
    const truncated = this.truncated || cut;
    const last = this.last;
    if (!this.replaying) this.templates.scanned();
    if (last && !this.uncacheable && last.truncated === truncated && this.unchanged()) {
      if (!this.replaying && !truncated) this.learnTemplate(spaced);
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
          for (let i = 0; i < PII_CLASS_NAMES.length; i++) {
            if ((node.pii & (1 << i)) !== 0) pii.push((piiText[i] ??= `${node.path}:${PII_CLASS_NAMES[i]}`));
          }
        }
        if (node.extraPii) for (const cls of node.extraPii) pii.push(`${node.path}:${cls}`);
      }
      if (node.bySegment) for (const child of node.bySegment.values()) if (child.gen === this.gen) render(child);
      if (node.element && node.element.gen === this.gen) render(node.element);
    };
    render(this.root);
    // A result holding classes past the bits is not kept: the marks the next walk is compared
    // with do not show them, so that walk could get them back without having found them.
    this.last = this.uncacheable ? undefined : { fields, pii, truncated };
    this.lastTemplate = undefined;
    this.lastGen = this.gen;
    this.lastCount = count;
    this.lastHash = undefined;
    return { fields: fields.slice(), pii: pii.slice(), truncated };
  }

  /**
   * After a scan that gave the last result again (the route's schema repeats): compiles it into
   * a template when the slot wants one (see TemplateSlot). Not with custom classes, which may
   * look at any value.
   */
  private learnTemplate(spaced: boolean): void {
    if (this.classifier.hasCustomClasses || !this.templates.wantsBuild()) return;
    const template = SchemaTemplate.of(this.root, this.rootType, this.gen, this.lastCount, spaced, (node) => this.classifier.hinted(node));
    // This scan gave the last result again, and the template was built from it.
    if (this.templates.offer(template)) this.lastTemplate = template;
  }

  /** True when the node was in the last result with the types and classes this walk gave it. */
  private shownLast(node: SchemaNode): boolean {
    return node.shownGen === this.lastGen && node.shownTypes === node.types && node.shownPii === node.pii;
  }

  /** True when this walk reached exactly the nodes, types and classes of the last result. */
  private unchanged(): boolean {
    let count = 0;
    const same = (node: SchemaNode): boolean => {
      if (node !== this.root && node.types !== 0) {
        if (!this.shownLast(node)) return false;
        count++;
      }
      if (node.bySegment) for (const child of node.bySegment.values()) if (child.gen === this.gen && !same(child)) return false;
      return !(node.element && node.element.gen === this.gen && !same(node.element));
    };
    return same(this.root) && count === this.lastCount;
  }
}
