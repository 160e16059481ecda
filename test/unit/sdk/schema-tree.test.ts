import { describe, expect, it } from 'vitest';
import { extractShape, type BodyShape, type ShapeLimits } from '../../../packages/sdk/src/body-shape.js';
import type { ClassifierOptions } from '../../../packages/sdk/src/pii-classifier.js';
import { PII_CLASS_NAMES } from '../../../packages/sdk/src/field-classifier.js';
import { SchemaTree } from '../../../packages/sdk/src/schema-tree.js';

const limits: ShapeLimits = { maxFields: 256, maxDepth: 16 };
const classifier: ClassifierOptions = { defaultPhoneCountry: 'US', minConfidence: 0.5, custom: [] };
const fresh = (value: unknown) => extractShape(JSON.stringify(value), 'json', false, limits, classifier);
const sorted = (shape: BodyShape | undefined) => ({ fields: [...(shape?.fields ?? [])].sort(), pii: [...(shape?.pii ?? [])].sort(), truncated: shape?.truncated });

describe('PII classes past the 31 class bits', () => {
  it('are reported, and a kept tree gives what a fresh walk gives, body after body', () => {
    // Class bits are process-wide and handed out as classes are first found: 40 custom classes
    // found in one body use up the rest, and the last ones have none (they live in extraPii).
    const custom = Array.from({ length: 40 }, (_, i) => ({ name: `tag_${i}`, fieldNames: [`tag${i}`] }));
    const options: ClassifierOptions = { ...classifier, custom };
    const tagged = (value: (i: number) => string) => JSON.stringify(Object.fromEntries(custom.map((_, i) => [`tag${i}`, value(i)])));
    const all = tagged(() => 'x');
    const first = extractShape(all, 'json', false, limits, options);
    expect(first?.pii).toContain('tag39:tag_39');
    const hasBit = (i: number) => PII_CLASS_NAMES.includes(`tag_${i}`);
    expect(hasBit(39)).toBe(false);
    // A name alone counts only for a value that is there: emptying exactly the fields whose
    // classes have no bit leaves every class bit as it was.
    const bitsOnly = tagged((i) => (hasBit(i) ? 'x' : ''));
    const tree = new SchemaTree(limits, options);
    for (const body of [all, all, bitsOnly, all, bitsOnly, bitsOnly]) {
      expect(sorted(extractShape(body, 'json', false, limits, options, tree))).toEqual(sorted(extractShape(body, 'json', false, limits, options)));
    }
  });
});

describe('SchemaTree kept for a route', () => {
  // Each body goes through one kept tree and through a fresh one: the entries must be the same.
  const bodies: unknown[] = [
    { a: 1, b: { c: 'x' } },
    { a: 2, b: { c: 'y' } },
    { a: 3, d: 'jenny@example.com' },
    { a: 4, b: { c: 'z' } },
    { a: 5, d: 'no email here' },
    { a: 'now a string', d: 'jenny@example.com' },
    { a: 6, b: { c: '+14155552671' } },
    { a: 7, b: { c: 'x' } },
    { items: [{ qty: 1 }, { qty: 2, sku: 'A1' }], user_email: 'x' },
    { items: [], user_email: 'jo@example.com' },
    [{ id: 1 }, { id: 'two' }],
    {},
  ];

  it('gives every body the entries a fresh walk gives it, whatever came before', () => {
    const tree = new SchemaTree(limits, classifier);
    for (const pass of [1, 2]) {
      for (const body of bodies) {
        const kept = extractShape(JSON.stringify(body), 'json', false, limits, classifier, tree);
        expect(sorted(kept), `pass ${pass}: ${JSON.stringify(body)}`).toEqual(sorted(fresh(body)));
      }
    }
  });

  it('hands out copies: changing one result does not change the next', () => {
    const tree = new SchemaTree(limits, classifier);
    const first = extractShape('{"email":"jo@example.com","n":1}', 'json', false, limits, classifier, tree);
    first?.fields.push('injected:string');
    first?.pii.splice(0);
    const second = extractShape('{"email":"al@example.com","n":2}', 'json', false, limits, classifier, tree);
    expect(second?.fields).toEqual(['email:string', 'n:number']);
    expect(second?.pii).toEqual(['email:email']);
  });

  it('marks truncation per body, not per route', () => {
    const small: ShapeLimits = { maxFields: 2, maxDepth: 16 };
    const tree = new SchemaTree(small, classifier);
    const shape = (value: unknown, cut = false) => extractShape(JSON.stringify(value), 'json', cut, small, classifier, tree);
    expect(shape({ a: 1, b: 2, c: 3 })?.truncated).toBe(true);
    expect(shape({ a: 1, b: 2 })?.truncated).toBe(false);
    expect(shape({ a: 1, b: 2 }, true)?.truncated).toBe(true);
    expect(shape({ a: 1, b: 2 })).toEqual({ fields: ['a:number', 'b:number'], pii: [], truncated: false });
  });

  it('keeps no key that is a value, yet still reports the {key} field', () => {
    const tree = new SchemaTree(limits, classifier);
    for (let i = 0; i < 3; i++) {
      const body = { [`user${i}@example.com`]: { phone: '+14155552671' } };
      expect(extractShape(JSON.stringify(body), 'json', false, limits, classifier, tree)).toEqual({
        fields: ['{key}:object', '{key}.phone:string'],
        pii: ['{key}.phone:phone'],
        truncated: false,
      });
    }
    expect(JSON.stringify(tree, (_k, v: unknown) => (v instanceof Map ? [...v.keys()] : v))).not.toContain('example.com');
  });
});
