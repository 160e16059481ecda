import { scanJsonShape } from './json-shape-scanner.js';
import type { ClassifierOptions } from './pii-classifier.js';
import { SchemaTree, type BodyShape, type ShapeLimits } from './schema-tree.js';

export type { BodyShape, ShapeLimits } from './schema-tree.js';

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
 * JSON syntax error at the end is expected rather than a sign the body is not JSON. `tree` is a
 * schema tree kept for the body's route (see ShapeMemo): the same entries come out, in the
 * order the route first showed them, at a fraction of the cost when the schema repeats.
 */
export function extractShape(
  text: string,
  kind: BodyKind,
  cut: boolean,
  limits: ShapeLimits,
  classifier: ClassifierOptions,
  tree: SchemaTree = new SchemaTree(limits, classifier),
): BodyShape | undefined {
  return kind === 'form' ? shapeOfForm(text, tree, cut) : scanJsonShape(text, tree, cut);
}

/**
 * `application/x-www-form-urlencoded` with the bracket convention Stripe and Rails use:
 * `card[number]` → `card.number`, `items[0][qty]` → `items[].qty`, `tags[]` → `tags[]`.
 * Every value is a string on the wire.
 */
function shapeOfForm(text: string, tree: SchemaTree, cut: boolean): BodyShape | undefined {
  // Objects without a prototype: a key such as `__proto__[x]` is data, and must stay in the
  // body's own objects instead of reaching Object.prototype of the application.
  const nested = bare();
  let pairs: URLSearchParams;
  try {
    pairs = new URLSearchParams(text);
  } catch {
    return { fields: [], pii: [], truncated: true };
  }
  // Forms are nested here and then read like a JSON body, so both kinds share one walk.
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
          if (typeof node[0] !== 'object' || node[0] === null) node[0] = nextIsArray ? [] : bare();
          node = node[0] as Record<string, unknown> | unknown[];
        }
        return;
      }
      if (isLast) container[seg] = value;
      else {
        const child = container[seg];
        if (typeof child !== 'object' || child === null) container[seg] = nextIsArray ? [] : bare();
        node = container[seg] as Record<string, unknown> | unknown[];
      }
    });
  }
  return scanJsonShape(JSON.stringify(nested), tree, cut);
}

function bare(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
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
