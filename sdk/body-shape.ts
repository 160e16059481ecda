import type { FieldType } from '../common/types.js';
import { joinPath, pathSegment } from './field-path.js';
import { parsePartialJson } from './partial-json.js';
import { classifyValue, type ClassifierOptions } from './pii-classifier.js';

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

export type BodyKind = 'json' | 'form';

/**
 * The body kind from the content type, else by sniffing the first byte (many clients send JSON
 * without a content type). Undefined for anything else (text, binary, multipart).
 */
export function bodyKind(contentType: string | undefined, head: string): BodyKind | undefined {
  const ct = contentType?.toLowerCase() ?? '';
  if (ct.includes('json')) return 'json';
  if (ct.includes('application/x-www-form-urlencoded')) return 'form';
  if (ct !== '' && !ct.startsWith('text/plain') && !ct.startsWith('application/octet-stream')) return undefined;
  const first = head.trimStart()[0];
  return first === '{' || first === '[' ? 'json' : undefined;
}

/**
 * Shape of a body's inspected bytes. `cut` says the bytes are a prefix of a longer body, so a
 * JSON syntax error at the end is expected rather than a sign the body is not JSON.
 */
export function extractShape(
  text: string,
  kind: BodyKind,
  cut: boolean,
  limits: ShapeLimits,
  classifier: ClassifierOptions,
): BodyShape | undefined {
  if (kind === 'form') return shapeOfForm(text, limits, classifier, cut);
  let value: unknown;
  let complete = true;
  try {
    value = JSON.parse(text);
  } catch {
    const partial = parsePartialJson(text);
    // A body that does not even start as JSON has no shape.
    if (partial.value === undefined || typeof partial.value !== 'object') return undefined;
    value = partial.value;
    complete = partial.complete;
  }
  const walker = new Walker(limits, classifier);
  walker.walk(value);
  return walker.result(cut || !complete);
}

const TYPE_BITS: ReadonlyArray<readonly [FieldType, number]> = [
  ['string', 1],
  ['number', 2],
  ['boolean', 4],
  ['null', 8],
  ['object', 16],
  ['array', 32],
];

/**
 * One field path of the body's schema; array elements share their array's element node.
 * `children` is keyed by the raw key (the parser's strings, cheap to hash); `bySegment` makes
 * two raw keys that escape to the same segment (`a:b`, `a_b`) share one node, so every path is
 * rendered once.
 */
interface SchemaNode {
  path: string;
  types: number;
  pii: Set<string> | undefined;
  children: Map<string, SchemaNode> | undefined;
  bySegment: Map<string, SchemaNode> | undefined;
  element: SchemaNode | undefined;
}

const newNode = (path: string): SchemaNode => ({ path, types: 0, pii: undefined, children: undefined, bySegment: undefined, element: undefined });

/**
 * Walks a parsed body into a schema tree. Repeated structure (array elements) lands on the same
 * nodes, looked up by the parser's own key strings, so a 500-element array costs map lookups,
 * not 500 rounds of path-string building. Entries are rendered once at the end.
 */
class Walker {
  private readonly root = newNode('');
  private entries = 0;
  private truncated = false;

  constructor(
    private readonly limits: ShapeLimits,
    private readonly classifier: ClassifierOptions,
  ) {}

  walk(value: unknown): void {
    this.visit(value, this.root, '', 0);
  }

  private visit(value: unknown, node: SchemaNode, key: string, depth: number): void {
    const type = jsonType(value);
    if (node !== this.root && !this.addType(node, type)) return;
    if (type === 'object' || type === 'array') {
      if (depth >= this.limits.maxDepth) {
        this.truncated = true;
        return;
      }
      if (type === 'array') {
        const element = (node.element ??= newNode(node.path === '' ? '[]' : `${node.path}[]`));
        for (const item of value as unknown[]) {
          if (this.truncated && this.entries >= this.limits.maxFields) return;
          this.visit(item, element, key, depth + 1);
        }
        return;
      }
      const object = value as Record<string, unknown>;
      const children = (node.children ??= new Map());
      for (const k in object) {
        if (this.truncated && this.entries >= this.limits.maxFields) return;
        let child = children.get(k);
        if (!child) {
          const segment = pathSegment(k);
          const bySegment = (node.bySegment ??= new Map());
          child = bySegment.get(segment);
          if (!child) {
            child = newNode(joinPath(node.path, segment));
            bySegment.set(segment, child);
          }
          children.set(k, child);
        }
        this.visit(object[k], child, k, depth + 1);
      }
      return;
    }
    if (type === 'string' || type === 'number') {
      const matches = classifyValue(value as string | number, key, this.classifier);
      if (matches.length > 0) {
        const pii = (node.pii ??= new Set());
        for (const m of matches) pii.add(m.piiClass);
      }
    }
  }

  /** False once the field budget is spent; a type already known on the node is always fine. */
  private addType(node: SchemaNode, type: FieldType): boolean {
    const bit = typeBit(type);
    if ((node.types & bit) !== 0) return true;
    if (this.entries >= this.limits.maxFields) {
      this.truncated = true;
      return false;
    }
    node.types |= bit;
    this.entries++;
    return true;
  }

  result(cut: boolean): BodyShape {
    const fields: string[] = [];
    const pii: string[] = [];
    const render = (node: SchemaNode): void => {
      if (node !== this.root) {
        for (const [type, bit] of TYPE_BITS) if ((node.types & bit) !== 0) fields.push(`${node.path}:${type}`);
        if (node.pii) for (const cls of node.pii) pii.push(`${node.path}:${cls}`);
      }
      if (node.bySegment) for (const child of node.bySegment.values()) render(child);
      if (node.element) render(node.element);
    };
    render(this.root);
    return { fields, pii, truncated: this.truncated || cut };
  }
}

function typeBit(type: FieldType): number {
  switch (type) {
    case 'string':
      return 1;
    case 'number':
      return 2;
    case 'boolean':
      return 4;
    case 'null':
      return 8;
    case 'object':
      return 16;
    case 'array':
      return 32;
  }
}

function jsonType(value: unknown): FieldType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : 'string';
}

/**
 * `application/x-www-form-urlencoded` with the bracket convention Stripe and Rails use:
 * `card[number]` → `card.number`, `items[0][qty]` → `items[].qty`, `tags[]` → `tags[]`.
 * Every value is a string on the wire.
 */
function shapeOfForm(text: string, limits: ShapeLimits, classifier: ClassifierOptions, cut: boolean): BodyShape {
  const walker = new Walker(limits, classifier);
  const nested: Record<string, unknown> = {};
  let pairs: URLSearchParams;
  try {
    pairs = new URLSearchParams(text);
  } catch {
    return { fields: [], pii: [], truncated: true };
  }
  for (const [name, value] of pairs) {
    const segments = formKeySegments(name);
    let node: Record<string, unknown> | unknown[] = nested;
    segments.forEach((seg, i) => {
      const container = node as Record<string, unknown>;
      const isLast = i === segments.length - 1;
      const nextIsArray = !isLast && isArraySegment(segments[i + 1] ?? '');
      if (Array.isArray(node)) {
        if (isLast) node.push(value);
        else {
          if (typeof node[0] !== 'object' || node[0] === null) node[0] = nextIsArray ? [] : {};
          node = node[0] as Record<string, unknown> | unknown[];
        }
        return;
      }
      if (isLast) container[seg] = value;
      else {
        const child = container[seg];
        if (typeof child !== 'object' || child === null) container[seg] = nextIsArray ? [] : {};
        node = container[seg] as Record<string, unknown> | unknown[];
      }
    });
  }
  walker.walk(nested);
  return walker.result(cut);
}

/** `a[b][0][]` → `['a', 'b', '0', '']`; a key without brackets is one segment. */
function formKeySegments(name: string): string[] {
  const open = name.indexOf('[');
  if (open <= 0 || !name.endsWith(']')) return [name];
  const rest = [...name.slice(open).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? '');
  return [name.slice(0, open), ...rest];
}

function isArraySegment(segment: string): boolean {
  return segment === '' || /^\d+$/.test(segment);
}
