import { describe, expect, it } from 'vitest';
import { extractShape, type BodyShape, type ShapeLimits } from '../../../packages/sdk/src/body-shape.js';
import { mayMatchByValue, NO_PII_LOOKS_STRING, type ClassifierOptions } from '../../../packages/sdk/src/pii-classifier.js';
import { TemplateBudget } from '../../../packages/sdk/src/schema-template.js';
import { SchemaTree } from '../../../packages/sdk/src/schema-tree.js';

const limits: ShapeLimits = { maxFields: 256, maxDepth: 16 };
const classifier: ClassifierOptions = { defaultPhoneCountry: 'US', minConfidence: 0.5, custom: [] };
// A kept tree lists entries in the order the route first showed them: compare as sets.
const sorted = (shape: BodyShape | undefined): unknown => shape && { ...shape, fields: [...shape.fields].sort(), pii: [...shape.pii].sort() };
const fresh = (text: string): unknown => sorted(extractShape(text, 'json', false, limits, classifier));

/** Deterministic, so a failure names a body that fails again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('NO_PII_LOOKS_STRING', () => {
  const looksLikeNothing = new RegExp(`^${NO_PII_LOOKS_STRING}$`);

  it('accepts only strings the value detectors rule out', () => {
    const next = random(7);
    const pieces = ['a', 'Z', 'e', 'yJ', 'eyJ', 'Bearer ', 'bearer ', 'DE', '89', '0', '7', ' ', '@', ':', '.', '-', '_', '/', '+', 'é', 'x1', '4242'];
    let accepted = 0;
    for (let i = 0; i < 50_000; i++) {
      let value = '';
      const parts = 1 + Math.floor(next() * 12);
      for (let p = 0; p < parts; p++) value += pieces[Math.floor(next() * pieces.length)];
      if (!looksLikeNothing.test(`"${value}"`)) continue;
      accepted++;
      expect(mayMatchByValue(value, 0, value.length), value).toBe(false);
    }
    // Not vacuous: ordinary words and codes are taken.
    expect(accepted).toBeGreaterThan(5_000);
  });

  it('takes the strings APIs are full of and leaves PII-looking ones to the classifier', () => {
    for (const value of ['', 'usd', 'A fine widget of medium size', 'approved_by_network', 'order_123', 'li_0', 'Payment complete.'])
      expect(looksLikeNothing.test(`"${value}"`), value).toBe(true);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    for (const value of ['jo@example.com', '+14155552671', '4242424242424242', '123-45-6789', jwt, 'Bearer abc.def', 'DE89370400440532013000', '10.0.0.1', 'sk_live_51H8abcdefghijklmnop', 'a\\"b'])
      expect(looksLikeNothing.test(`"${value}"`), value).toBe(false);
  });
});

describe('schema templates', () => {
  it('answer a repeated schema without a scan, exactly as a scan would', () => {
    const tree = new SchemaTree(limits, classifier);
    const body = (i: number, email: string) => JSON.stringify({ id: `ch_${i}`, amount: 100 + i, receipt_email: email, items: [{ sku: 'A-1', qty: i }, { sku: 'B-2', qty: 2 }] });
    const answers = [0, 1, 2, 3].map((i) => sorted(extractShape(body(i, 'jo@example.com'), 'json', false, limits, classifier, tree)));
    // Built once the schema repeated (second body), used from the third on.
    expect(tree.templateHits).toBe(2);
    expect(answers[3]).toEqual(fresh(body(3, 'jo@example.com')));
    // The classifier still reads the captured value: no email, no email class.
    expect(sorted(extractShape(body(4, 'no one'), 'json', false, limits, classifier, tree))).toEqual(fresh(body(4, 'no one')));
    expect(tree.templateHits).toBe(3);
  });

  it('follow a route whose schema changes: a few bodies after the change, the new schema has its template', () => {
    const tree = new SchemaTree(limits, classifier);
    const hitsOver = (bodies: string[]): number => {
      const before = tree.templateHits;
      for (const text of bodies) expect(sorted(extractShape(text, 'json', false, limits, classifier, tree))).toEqual(fresh(text));
      return tree.templateHits - before;
    };
    const v1 = (i: number) => JSON.stringify({ id: `ch_${i}`, amount: i });
    const v2 = (i: number) => JSON.stringify({ id: `ch_${i}`, amount: i, currency: 'usd' });
    expect(hitsOver(Array.from({ length: 20 }, (_, i) => v1(i)))).toBe(18);
    // The old template misses twice; the second of those scans repeats the first, so the new
    // schema's template is built then, and every later body hits.
    expect(hitsOver(Array.from({ length: 20 }, (_, i) => v2(i)))).toBe(18);
    expect(hitsOver(Array.from({ length: 10 }, (_, i) => v2(i)))).toBe(10);
  });

  it('decline what they cannot vouch for, and the scan answers', () => {
    const tree = new SchemaTree(limits, classifier);
    const shape = (value: unknown, space?: number) => extractShape(JSON.stringify(value, null, space), 'json', false, limits, classifier, tree);
    const base = { user: { name: 'Jo' }, tags: [{ label: 'blue' }] };
    for (let i = 0; i < 3; i++) shape(base);
    const hits = tree.templateHits;
    const declined: unknown[] = [
      { user: { name: 'Jo' }, tags: [{ label: 'jo@example.com' }] }, // PII-looking string in an array
      { tags: [{ label: 'blue' }], user: { name: 'Jo' } }, // another key order
      { user: { name: 'Jo' }, tags: [] }, // an array that was not empty before
      { user: { name: 'Jo', extra: 1 }, tags: [{ label: 'blue' }] }, // a new field
      { user: { name: 1 }, tags: [{ label: 'blue' }] }, // another type
    ];
    for (const value of declined) expect(sorted(shape(value)), JSON.stringify(value)).toEqual(fresh(JSON.stringify(value)));
    expect(sorted(shape(base, 2))).toEqual(fresh(JSON.stringify(base, null, 2)));
    expect(tree.templateHits).toBe(hits);
    // A name that hints at a class gives it to any non-empty value: an array element's strings,
    // which a template does not look at one by one, cannot be vouched for under such a name.
    const named = (last: string) => ({ people: [{ last_name: last }] });
    for (let i = 0; i < 3; i++) shape(named(''));
    expect(sorted(shape(named('Rosen')))).toEqual(fresh(JSON.stringify(named('Rosen'))));
    // Trailing garbage: the template is anchored, the scan marks the body truncated.
    expect(extractShape(`${JSON.stringify(base)} x`, 'json', false, limits, classifier, tree)?.truncated).toBe(true);
  });

  it('miss in one pass: a body that differs at its very end does not make them retry every string', () => {
    // Patterns that read a string in several ways would retry each combination over the strings
    // before the miss (3^12 here, seconds); unambiguous ones fail in one pass (well under a
    // millisecond). The bound only tells those two apart.
    const body = (last: unknown) => JSON.stringify({ ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, 'ab'])), tags: Array(12).fill('ab'), z: last });
    const tree = new SchemaTree(limits, classifier);
    for (let i = 0; i < 3; i++) extractShape(body(1), 'json', false, limits, classifier, tree);
    expect(tree.templateHits).toBe(1);
    const started = performance.now();
    const shape = extractShape(body(true), 'json', false, limits, classifier, tree);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sorted(shape)).toEqual(fresh(body(true)));
  });

  it('stay within the memory budget their trees share: past it, bodies are scanned', () => {
    // Compiled expressions cost ~15 bytes of machine code per source character.
    const budget = new TemplateBudget(2_000);
    const [a, b] = [new SchemaTree(limits, classifier, budget), new SchemaTree(limits, classifier, budget)];
    const body = (prefix: string) => JSON.stringify(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${prefix}${i}`, i])));
    for (let i = 0; i < 4; i++) {
      extractShape(body('a'), 'json', false, limits, classifier, a);
      extractShape(body('b'), 'json', false, limits, classifier, b);
    }
    expect([a.templateHits, b.templateHits]).toEqual([2, 0]);
    expect(sorted(extractShape(body('b'), 'json', false, limits, classifier, b))).toEqual(fresh(body('b')));
  });

  it('give every body of a drifting route what a fresh scan gives it (random bodies)', () => {
    const next = random(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const words = ['usd', 'A fine widget', 'approved', '', 'li_7'];
    const unusual = ['jo@example.com', '+14155552671', '4242424242424242', 'x\\"y', 'tab\there', 'ch_3MtwBwLkdIwHu7ix28a3tqPa', '2024-01-02', 'Bearer abc'];
    const strings = [...words, ...words, ...words, ...unusual];
    const numbers = [0, 12, -3.5, 1e21, 4242424242424242];
    const scalar = (): unknown => (next() < 0.75 ? pick(strings) : next() < 0.8 ? pick(numbers) : pick([true, false, null]));
    const item = (): Record<string, unknown> => {
      // `tel` and `last_name` name classes values take by their field name alone.
      const out: Record<string, unknown> = { sku: pick(strings), qty: pick(numbers), tel: pick(numbers) };
      if (next() < 0.5) out['last_name'] = pick(words);
      if (next() < 0.1) out['note'] = scalar();
      return out;
    };
    const body = (): unknown => {
      const value: Record<string, unknown> = {
        id: scalar(),
        email: next() < 0.9 ? 'jo@example.com' : scalar(),
        first_name: next() < 0.9 ? 'Jo' : scalar(),
        customer: { phone: next() < 0.9 ? '+14155552671' : scalar(), city: pick(strings), pin: pick(numbers) },
        items: Array.from({ length: pick([0, 1, 3, 3, 3, 7]) }, item),
        tags: next() < 0.9 ? ['a', 'b'] : [scalar(), scalar()],
      };
      if (next() < 0.05) value['extra'] = scalar();
      return next() < 0.1 ? [value] : value;
    };
    // A route keeps its schema for a while and then drifts; values change on every body (types
    // kept), PII-looking ones included, so templates form, get used and must decline.
    const revalue = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(revalue);
      if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revalue(v)]));
      if (next() >= 0.2) return value;
      return typeof value === 'string' ? pick(strings) : typeof value === 'number' ? pick(numbers) : value;
    };
    const bases = Array.from({ length: 8 }, body);
    const tree = new SchemaTree(limits, classifier);
    let base = bases[0];
    for (let i = 0; i < 4_000; i++) {
      if (next() < 0.03) base = pick(bases);
      const value = revalue(base);
      const text = next() < 0.1 ? JSON.stringify(value, null, 1) : JSON.stringify(value);
      expect(sorted(extractShape(text, 'json', false, limits, classifier, tree)), text).toEqual(fresh(text));
    }
    // The template path must have answered a good share of them (the seed makes this exact).
    expect(tree.templateHits).toBeGreaterThan(150);
  });
});
