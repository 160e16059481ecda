import { describe, expect, it } from 'vitest';
import { DataMapBuilder, mergeDataMapRows, splitShape } from '../../../storage/data-map.js';
import type { EgressSpanRow } from '../../../storage/span-writer.js';

const MS = 1_795_000_000_000;

function span(at: number, request_fields: readonly string[], request_pii: readonly string[], response_fields: readonly string[] = []): EgressSpanRow {
  return {
    timestamp_ns: BigInt(at) * 1_000_000n + 999n,
    trace_id: '',
    span_id: '',
    service: 'checkout',
    environment: 'prod',
    vendor: 'stripe',
    host: 'api.stripe.com',
    method: 'POST',
    route: '/v1/charges',
    status_code: 200,
    error_type: '',
    duration_ns: 0,
    request_bytes: 0,
    response_bytes: 0,
    request_fields,
    request_pii,
    response_fields,
    response_pii: [],
    shape_hash: '',
    attributes: {},
  };
}

describe('data map', () => {
  it('joins each field with the PII classes of its path and keeps PII-only paths with no type', () => {
    expect(splitShape(['amount:number', 'customer.email:string', 'card.number:string'], ['customer.email:email', 'card.number:card', 'card.number:pan_like', 'note:ssn'])).toEqual([
      ['amount', 'number', ''],
      ['customer.email', 'string', 'email'],
      ['card.number', 'string', 'card'],
      ['card.number', 'string', 'pan_like'],
      ['note', '', 'ssn'],
    ]);
    expect(splitShape(['items[].sku:string'], [])).toEqual([['items[].sku', 'string', '']]);
  });

  it('counts spans per distinct shape with first and last seen, per direction', () => {
    const fields = Object.freeze(['amount:number', 'customer.email:string']);
    const pii = Object.freeze(['customer.email:email']);
    const map = new DataMapBuilder();
    map.addSpan(span(MS + 5_000, fields, pii, ['id:string']));
    map.addSpan(span(MS, fields, pii));
    map.addSpan(span(MS + 9_000, [], []));
    const rows = map.rows().map((r) => [r.direction, r.field, r.type, r.pii, r.firstSeenMs - MS, r.lastSeenMs - MS, r.calls]);
    expect(rows).toEqual([
      ['request', 'amount', 'number', '', 0, 5_000, 2],
      ['request', 'customer.email', 'string', 'email', 0, 5_000, 2],
      ['response', 'id', 'string', '', 5_000, 5_000, 1],
    ]);
  });

  it('merges rows of the same key from several chunks', () => {
    const a = new DataMapBuilder();
    a.addSpan(span(MS, ['amount:number'], []));
    const b = new DataMapBuilder();
    b.addSpan(span(MS + 1_000, ['amount:number'], []));
    b.addSpan(span(MS + 2_000, ['amount:number'], []));
    expect(mergeDataMapRows([...a.rows(), ...b.rows()])).toEqual([
      { vendor: 'stripe', service: 'checkout', route: '/v1/charges', direction: 'request', field: 'amount', type: 'number', pii: '', firstSeenMs: MS, lastSeenMs: MS + 2_000, calls: 3 },
    ]);
  });
});
