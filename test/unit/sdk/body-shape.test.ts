import { describe, expect, it } from 'vitest';
import { bodyKind, extractShape, type ShapeLimits } from '../../../packages/sdk/src/body-shape.js';
import type { ClassifierOptions } from '../../../packages/sdk/src/pii-classifier.js';
import { shapeHash } from '../../../packages/sdk/src/shape-hash.js';

const limits: ShapeLimits = { maxFields: 256, maxDepth: 16 };
const classifier: ClassifierOptions = { defaultPhoneCountry: 'US', minConfidence: 0.5, custom: [] };
const json = (value: unknown, l = limits) => extractShape(JSON.stringify(value), 'json', false, l, classifier);

describe('extractShape (JSON)', () => {
  it('lists path:type for every field, collapsing arrays to []', () => {
    const shape = json({ customer: { email: 'a@example.com', vip: true, note: null }, items: [{ qty: 1 }, { qty: 2, sku: 'A1' }], tags: ['x'] });
    expect(shape?.fields.sort()).toEqual(
      [
        'customer:object',
        'customer.email:string',
        'customer.vip:boolean',
        'customer.note:null',
        'items:array',
        'items[]:object',
        'items[].qty:number',
        'items[].sku:string',
        'tags:array',
        'tags[]:string',
      ].sort(),
    );
    expect(shape?.pii).toEqual(['customer.email:email']);
    expect(shape?.truncated).toBe(false);
  });

  it('records both types when an array mixes them', () => {
    expect(json({ ids: [1, 'two'] })?.fields.sort()).toEqual(['ids:array', 'ids[]:number', 'ids[]:string']);
  });

  it('never lets a key carry a value or break the path:type syntax', () => {
    const shape = json({ 'a:b': 1, 'c,d': 2, 'e.f': 3, 'bob@example.com': { x: 1 }, '12345': 2, cus_NffrFeUfNV2Hib: 3 });
    expect(shape?.fields.sort()).toEqual(['a_b:number', 'c_d:number', 'e_f:number', '{key}:object', '{key}.x:number', '{key}:number'].sort());
    for (const entry of shape?.fields ?? []) expect(entry.slice(0, entry.lastIndexOf(':'))).not.toMatch(/[:,]/);
    expect(JSON.stringify(shape)).not.toContain('bob@example.com');
  });

  it('stops at maxFields and maxDepth and says it was truncated', () => {
    const wide = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i]));
    const capped = json(wide, { maxFields: 10, maxDepth: 16 });
    expect(capped?.fields).toHaveLength(10);
    expect(capped?.truncated).toBe(true);

    const deep = json({ a: { b: { c: { d: 1 } } } }, { maxFields: 256, maxDepth: 2 });
    expect(deep?.fields).toEqual(['a:object', 'a.b:object']);
    expect(deep?.truncated).toBe(true);
  });

  it('reads a JSON body cut at the byte bound up to the cut', () => {
    const full = JSON.stringify({ email: 'alice@example.com', card: '4242424242424242', items: [{ qty: 1 }], trailing: 'x'.repeat(100) });
    const cut = full.slice(0, full.indexOf('trailing') + 14);
    const shape = extractShape(cut, 'json', true, limits, classifier);
    expect(shape?.fields).toEqual(expect.arrayContaining(['email:string', 'card:string', 'items[].qty:number', 'trailing:string']));
    expect(shape?.pii.sort()).toEqual(['card:card', 'email:email']);
    expect(shape?.truncated).toBe(true);
  });

  it('flags JSON that ends early even without a byte cut, and gives no shape for non-JSON', () => {
    const broken = extractShape('{"a": 1, "b": {"c": tru', 'json', false, limits, classifier);
    expect(broken?.fields).toEqual(['a:number', 'b:object']);
    expect(broken?.truncated).toBe(true);
    expect(extractShape('<html>oops</html>', 'json', false, limits, classifier)).toBeUndefined();
    expect(extractShape('"just a string"', 'json', false, limits, classifier)?.fields).toEqual([]);
  });
});

describe('keys that are values', () => {
  it('become {key} however they are spelled, while names stay', () => {
    const values = [
      '4111 1111 1111 1111', '4111-1111-1111-1111', '-4111111111111111', '+4111111111111111', '4111111111111111_0', 'x_4111111111111111',
      '123-45-6789', 'DE89 3704 0044 0532 0130 00', '192.168.1.10', '2001:db8::1', 'Leak <leak@canary.example>', 'mailto:leak@canary.example',
      'leak@canary.example ', 'leak@localhost', 'léak@canary.example', 'Q0FOQVJZMTIzc2VjcmU=', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.abc',
      'Bearer abcdefghijklmnop', 'https://h.example/?token=CANARY123secret',
    ];
    const shape = json({ m: Object.fromEntries(values.map((k) => [k, 1])) });
    expect(shape?.fields).toEqual(['m:object', 'm.{key}:number']);
    const names = ['@context', 'first_name', 'address_line1', 'sha256', 'utm_source', '2fa_enabled', 'v2', 'x-request-id'];
    expect(json(Object.fromEntries(names.map((k) => [k, 1])))?.fields).toEqual(names.map((k) => `${k}:number`));
  });
});

describe('extractShape (form)', () => {
  it('keeps __proto__ and constructor keys as data: nothing reaches the application\'s prototypes', () => {
    const body = '__proto__[polluted]=CANARY&constructor[prototype][polluted2]=x&a[__proto__][polluted3]=y';
    const shape = extractShape(body, 'form', false, limits, classifier);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted2']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted3']).toBeUndefined();
    expect(shape?.fields).toEqual(expect.arrayContaining(['__proto__.polluted:string', 'constructor.prototype.polluted2:string', 'a.__proto__.polluted3:string']));
    expect(JSON.stringify(shape)).not.toContain('CANARY');
  });

  it('nests bracketed keys like Stripe and Rails do', () => {
    const body = 'amount=100&card[number]=4242424242424242&items[0][qty]=1&items[1][qty]=2&tags[]=a&tags[]=b&To=%2B14155552671';
    const shape = extractShape(body, 'form', false, limits, classifier);
    expect(shape?.fields.sort()).toEqual(
      ['amount:string', 'card:object', 'card.number:string', 'items:array', 'items[]:object', 'items[].qty:string', 'tags:array', 'tags[]:string', 'To:string'].sort(),
    );
    expect(shape?.pii.sort()).toEqual(['To:phone', 'card.number:card']);
  });
});

describe('bodyKind', () => {
  it('goes by content type, sniffing only when there is none', () => {
    expect(bodyKind('application/json; charset=utf-8', '')).toBe('json');
    expect(bodyKind('application/vnd.api+json', '')).toBe('json');
    expect(bodyKind('application/x-www-form-urlencoded', '')).toBe('form');
    expect(bodyKind(undefined, '  {"a":1}')).toBe('json');
    expect(bodyKind('image/png', '{')).toBeUndefined();
    expect(bodyKind(undefined, 'hello')).toBeUndefined();
  });
});

describe('shapeHash', () => {
  it('is stable across field order and changes with the schema', () => {
    expect(shapeHash(['a:string', 'b:number'])).toBe(shapeHash(['b:number', 'a:string']));
    expect(shapeHash(['a:string'])).not.toBe(shapeHash(['a:number']));
    expect(shapeHash(['a:string'])).toMatch(/^[0-9a-f]{16}$/);
  });
});
