import { describe, expect, it } from 'vitest';
import { CardinalityBudget } from '../../../collector/cardinality-budget.js';
import { normalizeSpan, type NormalizeOptions } from '../../../collector/normalize.js';
import { cleanFieldPath, cleanHost, cleanRoute } from '../../../collector/span-text.js';
import type { AttrValue, DecodedSpan } from '../../../common/otlp-spans.js';
import type { EgressSpanRow } from '../../../storage/span-writer.js';

// Every string in a span is written by whoever reaches the collector. These are the attacks a
// review of the collector reproduced, sent as an attacker would put them on the wire.

const NOW = 1_763_892_060_000;
const options: NormalizeOptions = {
  configVendors: [{ vendor: 'stripe', hosts: ['api.stripe.com'] }],
  ignoreHosts: [],
  maxAgeMs: 30 * 86_400_000,
};
let spanSeq = 0;

function span(attrs: Record<string, AttrValue>): DecodedSpan {
  spanSeq++;
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: spanSeq.toString(16).padStart(16, '0'),
    kind: 3,
    startNs: 1_763_892_000_123_456_789n,
    endNs: 1_763_892_000_223_456_789n,
    attributes: new Map(Object.entries({ 'http.request.method': 'POST', ...attrs })),
    statusCode: 0,
  };
}
const resource = (name = 'checkout'): Map<string, AttrValue> => new Map<string, AttrValue>([['service.name', name]]);

function row(attrs: Record<string, AttrValue>, opts: NormalizeOptions = options, res = resource()): EgressSpanRow {
  const r = normalizeSpan(span(attrs), res, opts, NOW);
  if (!('row' in r)) throw new Error(`expected a row, got ${JSON.stringify(r)}`);
  return r.row;
}

/** Every string a row would store, flattened. */
function storedText(r: EgressSpanRow): string[] {
  return [r.service, r.environment, r.vendor, r.host, r.method, r.route, r.error_type, r.shape_hash, ...r.request_fields, ...r.request_pii, ...r.response_fields, ...r.response_pii, ...Object.entries(r.attributes).flat()];
}
const CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

describe('hostile span text at the collector', () => {
  it('one client cannot hide another client’s PII behind a list that joins to the same key', () => {
    // Once, lists were cached under join('\u0001'): this one-entry list collided with the honest
    // two-entry list below and handed out its validated copy, without `card`.
    row({ 'server.address': 'api.acme.example', 'egress.request.pii': ['note\u0001card.number:card'] });
    const honest = row({ 'server.address': 'api.acme.example', 'egress.request.pii': ['note', 'card.number:card'] });
    expect(honest.request_pii).toEqual(['card.number:card']);
  });

  it('stores routes templated, without query strings, even from url.template and http.route', () => {
    const r = row({ 'server.address': 'api.acme.example', 'url.template': '/v1/users?api_key=sk_live_abcdefghijklmnop&email=jane@example.com' });
    expect(r.route).toBe('/v1/users');
    const ids = row({ 'server.address': 'api.acme.example', 'http.route': '/v1/users/jane@example.com/cards/4111111111111111' });
    expect(ids.route).toBe('/v1/users/{id}/cards/{id}');
    expect(cleanRoute(`/a/${'b'.repeat(300)}`)).toBe('/a/{id}');
    expect(cleanRoute(`/${'seg/'.repeat(100)}`).length).toBeLessThanOrEqual(256 + '/{truncated}'.length);
    expect(cleanRoute("/v1/x'; DROP TABLE egress_spans; --")).toBe('/v1/{id}');
  });

  it('checks hosts, service names and error types for secrets and personal data', () => {
    expect(normalizeSpan(span({ 'server.address': 'jane.doe@example.com' }), resource(), options, NOW)).toEqual({ reject: 'invalid_host' });
    expect(normalizeSpan(span({ 'server.address': "evil.example' OR 1=1 --" }), resource(), options, NOW)).toEqual({ reject: 'invalid_host' });
    expect(normalizeSpan(span({ 'server.address': 'a\u001b]0;pwned\u0007.example' }), resource(), options, NOW)).toEqual({ reject: 'invalid_host' });
    const token = row({ 'server.address': 'sk_live_4eC39HqLyjWDarjtT1zdp7dc.exfil.example' });
    expect(token.host).toBe('{id}.exfil.example');
    expect(token.vendor).toBe('exfil.example');
    const r = row({ 'server.address': 'api.acme.example', 'error.type': 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'http.response.status_code': 500 });
    expect(r.error_type).toBe('_OTHER');
    expect(row({ 'server.address': 'api.acme.example', 'error.type': 'ECONNRESET' }).error_type).toBe('ECONNRESET');
    expect(row({ 'server.address': 'api.acme.example' }, options, resource('jane.doe@example.com')).service).toBe('{redacted}');
    expect(row({ 'server.address': 'api.acme.example' }, options, resource('check\u202eout\u001b[2J')).service).toBe('check_out__2J');
  });

  it('stores hosts as IDNA A-labels, so look-alike letters cannot pose as a configured host', () => {
    expect(cleanHost('АPI.stripe.com')?.ascii).toMatch(/^xn--/);
    // A Cyrillic і in the registrable domain: not stripe.com, whatever it looks like.
    expect(row({ 'server.address': 'api.str\u0456pe.com' }).vendor).toBe('xn--strpe-p2e.com');
    expect(cleanHost('[::1]')?.stored).toBe('::1');
    expect(cleanHost('API.Stripe.COM.')?.stored).toBe('api.stripe.com');
  });

  it('honours a configured vendor id only on hosts matching its patterns, and records the claim', () => {
    const r = row({ 'server.address': 'exfil.attacker.net', 'egress.vendor': 'stripe' });
    expect(r.vendor).toBe('attacker.net');
    expect(r.attributes['egress.vendor_claim']).toBe('stripe');
    expect(row({ 'server.address': 'upload.attacker.net', 'egress.vendor': 'openai' }).vendor).toBe('attacker.net');
    expect(row({ 'server.address': 'x.attacker.net', 'egress.vendor': 'google.com' }).vendor).toBe('attacker.net');
    // A service's own name for its own integration still applies.
    expect(row({ 'server.address': 'crm.internal.example', 'egress.vendor': 'crm' }).vendor).toBe('crm');
    expect(row({ 'server.address': 'api.stripe.com', 'egress.vendor': 'stripe' }).attributes['egress.vendor_claim']).toBeUndefined();
  });

  it('caps and cleans field paths; keys that are values become {key}', () => {
    expect(cleanFieldPath(`a.${'x'.repeat(100)}.b`)).toBe('a.{key}.b');
    expect(cleanFieldPath('a.b\u001b[2Jc.d')).toBe('a.{key}.d');
    expect(cleanFieldPath('items[].o\'k')).toBe('items[].{key}');
    expect(cleanFieldPath(Array.from({ length: 100 }, (_, i) => `f${i}`).join('.')).length).toBeLessThanOrEqual(256 + '.{truncated}'.length);
    const r = row({ 'server.address': 'api.acme.example', 'egress.request.fields': ['user.\u202ename:string', `${'k'.repeat(10_000)}:string`] });
    expect(r.request_fields).toEqual(['user.{key}:string', '{key}:string']);
  });

  it('stores no control characters and no prototype keys from attributes', () => {
    const r = row({
      'server.address': 'api.acme.example',
      '__proto__': 'x',
      'ok.key': 'fine',
      'bad\u0000key': 'v',
      'ansi.value': '\u001b]0;pwned\u0007',
      'bidi.value': 'abc\u202edef',
    });
    expect(Object.getPrototypeOf(r.attributes)).toBeNull();
    expect(r.attributes['ok.key']).toBe('fine');
    expect(Object.keys(r.attributes)).not.toContain('bad\u0000key');
    for (const text of storedText(r)) expect(text).not.toMatch(CONTROL);
  });

  it('survives random hostile strings in every field without storing a control character', () => {
    const hostile = ['__proto__', 'constructor', '\u0000', '\u001b[2J', '\u202e', '\u2028', "'", '\\', '"', '`', '<!channel>', '\ud800', 'x'.repeat(100_000), '%00', '{id}', '\u0001'];
    let seed = 7;
    const pick = (): string => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return `${hostile[seed % hostile.length]}${hostile[(seed >> 8) % hostile.length]}`;
    };
    for (let i = 0; i < 300; i++) {
      const attrs: Record<string, AttrValue> = {
        'server.address': i % 3 === 0 ? 'api.acme.example' : pick(),
        'url.template': `/${pick()}/${pick()}`,
        'error.type': pick(),
        'egress.vendor': pick(),
        'egress.request.fields': [`${pick()}:string`, `${pick()}.${pick()}:number`],
        'egress.request.pii': [`${pick()}:email`, `${pick()}:${pick()}`],
        [pick()]: pick(),
      };
      const r = normalizeSpan(span(attrs), resource(pick()), options, NOW);
      if (!('row' in r)) {
        expect(r).toEqual({ reject: 'invalid_host' });
        continue;
      }
      for (const text of storedText(r.row)) {
        expect(text).not.toMatch(CONTROL);
        expect(text.length).toBeLessThanOrEqual(300);
      }
      expect(r.row.vendor).toMatch(/^[a-z0-9._:-]+$|^[0-9a-f:.]+$/);
    }
  });
});

describe('cardinality budgets', () => {
  const admitted = (budget: CardinalityBudget, attrs: Record<string, AttrValue>): EgressSpanRow => {
    const r = row(attrs);
    budget.admit(r);
    return r;
  };

  it('stores routes past the vendor budget as {over_budget} and keeps their calls', () => {
    const budget = new CardinalityBudget({ maxRoutesPerVendor: 3, maxFieldsPerRoute: 100 });
    const routes = Array.from({ length: 6 }, (_, i) => admitted(budget, { 'server.address': 'api.acme.example', 'url.template': `/v1/r${'abcdef'[i]}` }).route);
    expect(routes).toEqual(['/v1/ra', '/v1/rb', '/v1/rc', '{over_budget}', '{over_budget}', '{over_budget}']);
    // Known routes keep their names; other vendors have budgets of their own.
    expect(admitted(budget, { 'server.address': 'api.acme.example', 'url.template': '/v1/rb' }).route).toBe('/v1/rb');
    expect(admitted(budget, { 'server.address': 'api.other.example', 'url.template': '/v1/rz' }).route).toBe('/v1/rz');
  });

  it('generalises field names past the route budget but never drops a PII class', () => {
    const budget = new CardinalityBudget({ maxRoutesPerVendor: 10, maxFieldsPerRoute: 4 });
    const flood = Array.from({ length: 50 }, (_, i) => `junk${i}:string`);
    const first = admitted(budget, { 'server.address': 'api.acme.example', 'url.template': '/v1/x', 'egress.request.fields': flood });
    expect(first.request_fields).toHaveLength(5);
    expect(first.request_fields).toContain('{over_budget}:string');
    const later = admitted(budget, { 'server.address': 'api.acme.example', 'url.template': '/v1/x', 'egress.request.fields': ['customer.ssn:string'], 'egress.request.pii': ['customer.ssn:ssn'] });
    expect(later.request_pii).toEqual(['{over_budget}:ssn']);
    expect(later.request_fields).toEqual(['{over_budget}:string']);
  });

  it('generalises every list of a call on an over-budget route', () => {
    const budget = new CardinalityBudget({ maxRoutesPerVendor: 1, maxFieldsPerRoute: 100 });
    admitted(budget, { 'server.address': 'api.acme.example', 'url.template': '/v1/a' });
    const r = admitted(budget, { 'server.address': 'api.acme.example', 'url.template': '/v1/b', 'egress.request.fields': ['card:string', 'n:number'], 'egress.request.pii': ['card:card'] });
    expect(r).toMatchObject({ route: '{over_budget}', request_fields: ['{over_budget}:string', '{over_budget}:number'], request_pii: ['{over_budget}:card'] });
  });
});
