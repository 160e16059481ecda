import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../storage/migrate.js';
import { insertSpans, type EgressSpanRow } from '../../storage/span-writer.js';
import { openStore, type Store } from '../../storage/store.js';
import { startClickHouseEndpoint, type ClickHouseEndpoint } from '../support/clickhouse-endpoint.js';

// The server transport (`clickhouse.url`) end to end against the real engine behind the HTTP
// interface: what the collector writes over HTTP is what it was given, to the nanosecond and the
// byte, and the rollups fill as on the embedded store.
let endpoint: ClickHouseEndpoint;
let store: Store;

beforeAll(async () => {
  endpoint = await startClickHouseEndpoint({ users: { egresswatch: 'pw' } });
  store = await openStore({ url: endpoint.url, username: 'egresswatch', password: 'pw', database: 'ew' });
  await migrate(store);
});

afterAll(async () => {
  await store?.close();
  await endpoint?.close();
});

function row(i: number, overrides: Partial<EgressSpanRow> = {}): EgressSpanRow {
  return {
    timestamp_ns: 1_796_000_000_000_000_000n + BigInt(i) * 1_000_000_007n,
    trace_id: i.toString(16).padStart(32, '0'),
    span_id: i.toString(16).padStart(16, '0'),
    service: 'checkout',
    environment: 'prod',
    vendor: 'stripe',
    host: 'api.stripe.com',
    method: 'POST',
    route: '/v1/charges',
    status_code: 200,
    error_type: '',
    duration_ns: 12_000_000 + i,
    request_bytes: 100,
    response_bytes: 300,
    request_fields: ['amount:number', 'customer.email:string'],
    request_pii: ['customer.email:email'],
    response_fields: [],
    response_pii: [],
    shape_hash: 'abc',
    attributes: {},
    ...overrides,
  };
}

describe('span writes over the server transport', () => {
  it('stores every column as given, hostile text and nanosecond timestamps included', async () => {
    const hostile = `quote ' dq " back\\slash tab\t nl\n nul\u0000 é 漢 😀`;
    const rows = [row(1), row(2, { service: hostile, route: `/v1/${hostile}`, attributes: { [hostile]: hostile, 'http.flavor': '1.1' }, request_fields: [hostile, ''], status_code: 503, error_type: 'timeout' })];
    await insertSpans(store, rows, 10_000);
    const back = await (
      await store.client.query({
        query: `SELECT toString(timestamp) AS ts, toUnixTimestamp64Nano(timestamp) AS ns, trace_id, service, route, status_code, error_type, duration_ns,
                       request_fields, request_pii, attributes
                FROM egress_spans ORDER BY timestamp`,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      })
    ).json<Record<string, unknown>>();
    expect(back).toEqual(
      rows.map((r) => ({
        ts: expect.stringMatching(/^2026-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}$/),
        ns: String(r.timestamp_ns),
        trace_id: r.trace_id,
        service: r.service,
        route: r.route,
        status_code: r.status_code,
        error_type: r.error_type,
        duration_ns: String(r.duration_ns),
        request_fields: r.request_fields,
        request_pii: r.request_pii,
        attributes: r.attributes,
      })),
    );
    const rollup = await (await store.client.query({ query: 'SELECT sum(calls) AS calls, sum(errors) AS errors FROM egress_minute', format: 'JSONEachRow' })).json();
    expect(rollup).toEqual([{ calls: 2, errors: 1 }]);
    const fields = await (await store.client.query({ query: "SELECT count() AS n FROM egress_fields WHERE pii = 'email'", format: 'JSONEachRow' })).json();
    // One data-map row per service: the hostile one has the email class without its field entry.
    expect(fields).toEqual([{ n: 2 }]);
  });
});
