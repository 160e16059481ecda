import { describe, expect, it } from 'vitest';
import { normalizeSpan, type NormalizeOptions, type PiiDrops } from '../../../collector/normalize.js';
import type { AttrValue, DecodedSpan } from '../../../common/otlp-spans.js';

const NOW = 1_763_892_060_000;
const options: NormalizeOptions = { configVendors: [], ignoreHosts: [], maxAgeMs: 30 * 86_400_000 };
// The tally normalizeSpan adds each span's dropped entries to, as decodeRows keeps one per body.
const tally: PiiDrops = new Map();
const takeDropped = (): [string, number][] => {
  const taken = [...tally];
  tally.clear();
  return taken;
};

function requestPii(pii: AttrValue): string[] {
  const span: DecodedSpan = {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: '00000000000000a1',
    kind: 3,
    startNs: 1_763_892_000_123_456_789n,
    endNs: 1_763_892_000_223_456_789n,
    attributes: new Map<string, AttrValue>([['http.request.method', 'POST'], ['server.address', 'api.stripe.com'], ['egress.request.pii', pii]]),
    statusCode: 0,
  };
  const r = normalizeSpan(span, new Map(), options, NOW, tally);
  if (!('row' in r)) throw new Error(`expected a row, got ${JSON.stringify(r)}`);
  return [...r.row.request_pii];
}

describe('PII classes as SDKs in other languages write them', () => {
  it('folds ASCII case, and only ASCII: the Kelvin sign does not become a k', () => {
    takeDropped();
    expect(requestPii(['customer.email:EMAIL', 'card.number:Card', 'staff.id:EMPLOYEE_ID', 'x.key:\u212Aey'])).toEqual(['customer.email:email', 'card.number:card', 'staff.id:employee_id']);
    expect(takeDropped()).toEqual([['invalid_class', 1]]);
  });

  it('counts every span that carries a dropped entry, also when the list was judged before', () => {
    takeDropped();
    const list = ['customer.email:email', 'customer.ssn:us-ssn', 'no class here'];
    expect(requestPii(list)).toEqual(['customer.email:email']);
    expect(requestPii([...list])).toEqual(['customer.email:email']);
    expect(new Map(takeDropped())).toEqual(new Map([['invalid_class', 2], ['malformed', 2]]));
    // One string instead of the contract's string[]: nothing stored, one entry counted.
    expect(requestPii('customer.email:email')).toEqual([]);
    expect(takeDropped()).toEqual([['malformed', 1]]);
  });
});
