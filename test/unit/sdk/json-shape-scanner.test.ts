import { describe, expect, it } from 'vitest';
import { scanJsonShape } from '../../../packages/sdk/src/json-shape-scanner.js';
import type { ClassifierOptions } from '../../../packages/sdk/src/pii-classifier.js';
import { SchemaTree, type BodyShape, type ShapeLimits } from '../../../packages/sdk/src/schema-tree.js';

const limits: ShapeLimits = { maxFields: 256, maxDepth: 16 };
const classifier: ClassifierOptions = { defaultPhoneCountry: 'US', minConfidence: 0.5, custom: [] };
const scan = (text: string, cut = false, l = limits, c = classifier): BodyShape | undefined => scanJsonShape(text, new SchemaTree(l, c), cut);

describe('scanJsonShape', () => {
  it('reads pretty-printed JSON, escapes and a byte order mark like JSON.parse does', () => {
    const value = { 'say "hi"': 'x', nested: { 'back\\slash': [1, 2.5e-3, -0] }, tab: 'a\tb', email: 'jo@example.com' };
    const compact = scan(JSON.stringify(value));
    expect(scan(JSON.stringify(value, null, 2))).toEqual(compact);
    expect(scan(`\uFEFF${JSON.stringify(value)}`)).toEqual(compact);
    expect(compact?.fields).toEqual(['say_"hi":string', 'nested:object', 'nested.back\\slash:array', 'nested.back\\slash[]:number', 'tab:string', 'email:string']);
    expect(compact?.pii).toEqual(['email:email']);
    expect(compact?.truncated).toBe(false);
  });

  it('classifies a value whose PII is hidden behind escapes', () => {
    expect(scan('{"contact":"jo\\u0040example.com","url":"https:\\/\\/example.com\\/x"}')?.pii).toEqual(['contact:email']);
  });

  it('answers from a kept tree exactly as from a fresh one when the key at a position changes', () => {
    // The kept tree recognises a key by the one its position held last time: a longer key with
    // that prefix, or the same characters meaning something else once escapes are read, must not pass.
    const tree = new SchemaTree(limits, classifier);
    const bodies = [
      ...['{"ab":1,"a\\\\nb":"x"}', '{"abc":1,"a\\nb":"x"}', '{"ab":1,"a\\\\nb":"x"}', '{"a":"jo@example.com","ab":2}', '{"ab":"jo@example.com"}'],
      // A key that holds an escaped quote must not be matched across the end of a shorter key.
      ...['{"x\\":1,\\"y":2}', '{"x":1,"y":2}', '{"a\\":\\"b":1}', '{"a":"b"}'],
    ];
    // A kept tree lists entries in the order the route first showed them: compare as sets.
    const sorted = (shape: BodyShape | undefined): unknown => shape && { ...shape, fields: [...shape.fields].sort(), pii: [...shape.pii].sort() };
    const answers = bodies.map((text) => sorted(scanJsonShape(text, tree, false)));
    expect(answers).toEqual(bodies.map((text) => sorted(scan(text))));
    expect(answers[0]).not.toEqual(answers[1]);
  });

  it('gives a raw control character (which no JSON string may hold) no class, also under a hinting name in a kept tree', () => {
    const tree = new SchemaTree(limits, classifier);
    const plain = '{"email":"hello world","tel":"usd"}';
    // A raw vertical tab and a raw tab inside the strings, not the escapes `\u000b` and `\t`.
    const raw = '{"email":"hello\u000bworld","tel":"\tusd"}';
    const answers = [plain, plain, raw].map((text) => scanJsonShape(text, tree, false));
    expect(answers[0]?.pii).toEqual(['email:email', 'tel:phone']);
    expect(answers[2]).toEqual(scan(raw));
    expect(answers[2]?.pii).toEqual([]);
  });

  it('gives every field of a repeated array element, however its keys are ordered', () => {
    const shape = scan(JSON.stringify({ items: [{ a: 1, b: 'x' }, { b: 'y', a: 2, c: null }, { c: true }] }));
    expect(shape?.fields).toEqual(['items:array', 'items[]:object', 'items[].a:number', 'items[].b:string', 'items[].c:boolean', 'items[].c:null']);
  });

  it('keeps what precedes a cut, whether it falls in a key, a string, an escape, a literal or a number', () => {
    const whole = '{"n":12,"email":"jo@example.com","s":"ab\\u00e9","ok":true,"k":1}';
    const at = (marker: string, extra = 0) => scan(whole.slice(0, whole.indexOf(marker) + extra), true);
    expect(at('"email"', 3)?.fields).toEqual(['n:number']);
    expect(at('"s"', 0)).toMatchObject({ fields: ['n:number', 'email:string'], pii: ['email:email'], truncated: true });
    expect(at('\\u00e9', 3)?.fields).toEqual(['n:number', 'email:string', 's:string']);
    expect(at('true', 2)?.fields).toEqual(['n:number', 'email:string', 's:string']);
    expect(scan('{"n":1', false)).toEqual({ fields: ['n:number'], pii: [], truncated: true });
  });

  it('marks trailing garbage and syntax errors as truncated, keeping what came before', () => {
    expect(scan('{"a":1} trailing')).toEqual({ fields: ['a:number'], pii: [], truncated: true });
    expect(scan('{"a":1,"b":nope,"c":2}')).toEqual({ fields: ['a:number'], pii: [], truncated: true });
  });

  it('steps over containers past maxDepth without reading them, brackets inside strings included', () => {
    const shape = scan('{"a":{"b":{"c":"}]\\"{["}},"d":1}', false, { maxFields: 256, maxDepth: 2 });
    expect(shape).toEqual({ fields: ['a:object', 'a.b:object', 'd:number'], pii: [], truncated: true });
  });

  it('stops reading once the field budget is spent', () => {
    const shape = scan(JSON.stringify({ a: 1, b: 2, c: 3, d: { e: 'jo@example.com' } }), false, { maxFields: 2, maxDepth: 16 });
    expect(shape).toEqual({ fields: ['a:number', 'b:number'], pii: [], truncated: true });
  });

  it('treats a top-level scalar as JSON without fields, and anything else as not JSON', () => {
    expect(scan(' 42 ')).toEqual({ fields: [], pii: [], truncated: false });
    expect(scan('"jo@example.com"')).toEqual({ fields: [], pii: [], truncated: false });
    expect(scan('not json')).toBeUndefined();
    expect(scan('')).toBeUndefined();
  });

  it('hands custom classes the value and the real key, also for keys that are values', () => {
    const seen: string[] = [];
    const custom: ClassifierOptions = {
      ...classifier,
      custom: [{ name: 'emp', test: (value, field) => (seen.push(`${field}=${value}`), value === '1e3' || value === '1000') }],
    };
    const shape = scan('{"id":1e3,"bob@example.com":"x"}', false, limits, custom);
    expect(shape?.pii).toEqual(['id:emp']);
    expect(seen).toEqual(['id=1000', 'bob@example.com=x']);
  });
});
