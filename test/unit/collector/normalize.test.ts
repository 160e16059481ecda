import { describe, expect, it } from 'vitest';
import { normalizeSpan, type NormalizeOptions } from '../../../collector/normalize.js';
import type { AttrValue, DecodedSpan } from '../../../common/otlp-spans.js';
import { templatePath } from '@egresswatch/sdk/shared/route-template';

/** Rows carry bigint timestamps, which JSON.stringify refuses. */
const asJson = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

const options: NormalizeOptions = { configVendors: [{ vendor: 'payments-proxy', hosts: ['pay.internal.example.com'] }], ignoreHosts: [{ vendor: 'i', hosts: ['*.svc.cluster.local'] }], maxAgeMs: 30 * 86_400_000 };
/** The spans below start at 2025-11-23T10:00:00.123Z; judge them a minute later. */
const NOW = 1_763_892_060_000;

function span(attrs: Record<string, AttrValue>, kind = 3): DecodedSpan {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    kind,
    startNs: 1_763_892_000_123_456_789n,
    endNs: 1_763_892_000_223_456_789n,
    attributes: new Map(Object.entries(attrs)),
    statusCode: 0,
  };
}
const resource = new Map<string, AttrValue>([['service.name', 'checkout'], ['deployment.environment', 'prod'], ['host.name', 'web-1']]);

describe('normalizeSpan', () => {
  it('caps a bogus duration or body size instead of letting one span fail the batch', () => {
    const bogus = { ...span({ 'http.request.method': 'GET', 'server.address': 'api.stripe.com', 'http.request.body.size': 1e300, 'http.response.body.size': -5 }) };
    bogus.endNs = bogus.startNs + 2n ** 62n;
    const r = normalizeSpan(bogus, resource, options, NOW);
    expect(r).toMatchObject({ row: { duration_ns: Number.MAX_SAFE_INTEGER, request_bytes: Number.MAX_SAFE_INTEGER, response_bytes: 0 } });
  });

  it('stores integers past 2^53 with their exact digits, and reads them as out of range where a number is wanted', () => {
    const big = 2n ** 53n + 1n;
    const r = normalizeSpan(
      span({
        'http.request.method': 'GET',
        'server.address': 'api.stripe.com',
        'server.port': 2n ** 63n - 1n,
        'http.response.status_code': big,
        'http.request.body.size': big,
        'http.response.body.size': -big,
        'egress.request.fields': ['amount:number', big, [big]],
        'app.snowflake_id': 1795000000123456789n,
        'app.ids': [1795000000123456789n, 7],
      }),
      resource,
      options,
      NOW,
    );
    expect(r).toMatchObject({
      row: { vendor: 'stripe', status_code: 0, request_bytes: Number.MAX_SAFE_INTEGER, response_bytes: 0, request_fields: ['amount:number'] },
    });
    if (!('row' in r)) return;
    expect(r.row.attributes).toMatchObject({ 'app.snowflake_id': '1795000000123456789', 'app.ids': '1795000000123456789,7' });
  });

  it('maps stable semconv and egress attributes into a row, with exact nanosecond time', () => {
    const r = normalizeSpan(
      span({
        'http.request.method': 'post',
        'url.full': 'https://user:pw@api.stripe.com/v1/charges?key=sk_live_x',
        'http.response.status_code': 503,
        'http.request.body.size': 120,
        'egress.request.fields': ['amount:number', 'customer.email:string', 'bogus', 'x:float'],
        'egress.request.pii': ['customer.email:email'],
        authorization: 'Bearer abc.def.ghi',
        'http.request.header.x-api-key': ['k'],
        'user_agent.original': 'node',
      }),
      resource,
      options,
      NOW,
    );
    expect('row' in r).toBe(true);
    if (!('row' in r)) return;
    expect(r.row).toMatchObject({
      timestamp_ns: 1763892000123456789n,
      service: 'checkout',
      environment: 'prod',
      vendor: 'stripe',
      host: 'api.stripe.com',
      method: 'POST',
      route: '/v1/charges',
      status_code: 503,
      duration_ns: 100_000_000,
      request_bytes: 120,
      request_fields: ['amount:number', 'customer.email:string'],
      request_pii: ['customer.email:email'],
    });
    expect(r.row.shape_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(r.row.attributes).toEqual({ 'user_agent.original': 'node', 'resource.host.name': 'web-1' });
    expect(asJson(r.row)).not.toMatch(/sk_live|pw@|abc\.def/);
  });

  it('reads old semconv, and config vendors win over the SDK and the catalog', () => {
    const r = normalizeSpan(span({ 'http.method': 'GET', 'http.url': 'https://pay.internal.example.com/orders/123', 'egress.vendor': 'stripe', 'http.status_code': 200 }), resource, options, NOW);
    expect(r).toMatchObject({ row: { vendor: 'payments-proxy', route: '/orders/{id}', status_code: 200 } });
  });

  it('skips non-client and internal spans, rejects client spans it cannot store', () => {
    expect(normalizeSpan(span({ 'http.request.method': 'GET' }, 2), resource, options, NOW)).toEqual({ skip: 'not_egress' });
    expect(normalizeSpan(span({ 'http.request.method': 'GET', 'server.address': 'users.svc.cluster.local' }), resource, options, NOW)).toEqual({ skip: 'ignored_host' });
    expect(normalizeSpan(span({ 'http.request.method': 'GET' }), resource, options, NOW)).toEqual({ reject: 'no_host' });
    const bad = span({ 'http.request.method': 'GET', 'server.address': 'api.openai.com' });
    bad.endNs = bad.startNs - 1n;
    expect(normalizeSpan(bad, resource, options, NOW)).toEqual({ reject: 'invalid_time' });
    const ok = span({ 'http.request.method': 'GET', 'server.address': 'api.openai.com' });
    expect(normalizeSpan(ok, resource, options, NOW + 31 * 86_400_000)).toEqual({ reject: 'out_of_range' });
    expect(normalizeSpan(ok, resource, options, NOW - 2 * 3_600_000)).toEqual({ reject: 'out_of_range' });
  });

  it('stores no secrets that stock SDKs put in resource attributes', () => {
    const res = new Map<string, AttrValue>([['service.name', 'checkout'], ['process.command_args', ['node', 'app.js', '--db-password=hunter2']], ['process.owner', 'jdoe'], ['process.runtime.name', 'nodejs']]);
    const r = normalizeSpan(span({ 'http.request.method': 'GET', 'server.address': 'api.openai.com', 'db.connection_string': 'Server=x;Pwd=hunter2', note: 'token=abc123' }), res, options, NOW);
    expect(r).toMatchObject({ row: { attributes: { 'resource.process.runtime.name': 'nodejs' } } });
    expect(asJson(r)).not.toMatch(/hunter2|jdoe|abc123/);
  });

  it('generalises field paths that carry personal data in their keys', () => {
    const r = normalizeSpan(span({ 'http.request.method': 'PUT', 'server.address': 'api.hubapi.com', 'egress.request.fields': ['contacts.jane.doe@example.com.tags:array'] }), resource, options, NOW);
    expect(r).toMatchObject({ row: { request_fields: [expect.not.stringContaining('@')] } });
  });
});

describe('templatePath', () => {
  it.each([
    ['/v1/customers/cus_9s6XKzkNRiz8i3/sources', '/v1/customers/{id}/sources'],
    ['/2010-04-01/Accounts/AC3f0b8d1e2c4a5b6c7d8e9f0a1b2c3d4e/Messages.json', '/2010-04-01/Accounts/{id}/Messages.json'],
    ['/users/42', '/users/{id}'],
    ['/items/0b5e7a3c-9d0e-4b1a-8c2f-3d4e5f6a7b8c', '/items/{id}'],
    ['/v2/chat/completions', '/v2/chat/completions'],
    ['/lookup/jane@example.com', '/lookup/{id}'],
    ['/', '/'],
  ])('%s → %s', (path, route) => {
    expect(templatePath(path)).toBe(route);
  });
});
