import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSpans, insertSpanChunks, insertSpans, type EgressSpanRow } from '../../../storage/span-writer.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';

function row(overrides: Partial<EgressSpanRow>): EgressSpanRow {
  return {
    timestamp_ns: BigInt(Date.now()) * 1_000_000n + 123_456n,
    trace_id: '0af7651916cd43dd8448eb211c80319c',
    span_id: 'b7ad6b7169203331',
    service: 'checkout',
    environment: 'prod',
    vendor: 'stripe',
    host: 'api.stripe.com',
    method: 'POST',
    route: '/v1/charges',
    status_code: 200,
    error_type: '',
    duration_ns: 12_000_000,
    request_bytes: 100,
    response_bytes: 300,
    request_fields: ['amount:number'],
    request_pii: [],
    response_fields: [],
    response_pii: [],
    shape_hash: 'abc',
    attributes: {},
    ...overrides,
  };
}

describe('span writer on the embedded store (Native blocks)', () => {
  const db = useMigratedStore();
  let store: Store;
  beforeAll(async () => {
    store = db.current;
  });

  it('stores every column exactly as given, including unicode, empty lists and large numbers', async () => {
    const exactNs = 1_795_000_000_123_456_789n;
    const rows = [
      row({ timestamp_ns: BigInt(Date.now()) * 1_000_000n, trace_id: '11111111111111111111111111111111', request_fields: [], attributes: {} }),
      row({
        timestamp_ns: exactNs,
        trace_id: '22222222222222222222222222222222',
        service: 'zahlungs-dienst-ü',
        route: '/v1/customers/{id}/sources',
        status_code: 503,
        error_type: 'ECONNRESET',
        duration_ns: 2 ** 53 - 1,
        request_bytes: 5_000_000_000,
        request_fields: ['customer.name:string', 'items[].sku:string', 'emoji_✓:string'],
        request_pii: ['customer.name:person_name'],
        response_fields: ['id:string'],
        response_pii: ['id:email'],
        attributes: { 'user_agent.original': 'node', 'resource.host.name': 'web-1', 'x.long': 'v'.repeat(300) },
      }),
    ];
    await insertSpans(store, rows, 30_000);
    const stored = await (
      await store.client.query({
        query: `SELECT toString(timestamp) AS ts, toUnixTimestamp64Nano(timestamp) AS ns, trace_id, service, route, status_code, error_type, duration_ns, request_bytes,
                       request_fields, request_pii, response_fields, response_pii, attributes
                FROM egress_spans ORDER BY trace_id`,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      })
    ).json<Record<string, unknown>>();
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ trace_id: '11111111111111111111111111111111', request_fields: [], attributes: {} });
    expect(stored[1]).toEqual({
      ts: '2026-11-18 11:06:40.123456789',
      ns: exactNs.toString(),
      trace_id: '22222222222222222222222222222222',
      service: 'zahlungs-dienst-ü',
      route: '/v1/customers/{id}/sources',
      status_code: 503,
      error_type: 'ECONNRESET',
      duration_ns: String(2 ** 53 - 1),
      request_bytes: '5000000000',
      request_fields: ['customer.name:string', 'items[].sku:string', 'emoji_✓:string'],
      request_pii: ['customer.name:person_name'],
      response_fields: ['id:string'],
      response_pii: ['id:email'],
      attributes: { 'user_agent.original': 'node', 'resource.host.name': 'web-1', 'x.long': 'v'.repeat(300) },
    });
  });

  it('writes the same rows through the JSONEachRow path a ClickHouse server gets', async () => {
    // A server transport has no scratch dir; the engine takes the JSON text just the same.
    const asServer: Store = { ...store, scratchDir: undefined };
    const exactNs = 1_795_000_000_987_654_321n;
    const chunk = encodeSpans(asServer, [row({ timestamp_ns: exactNs, trace_id: '33333333333333333333333333333333', attributes: { 'resource.host.name': 'web-2' } })]);
    expect(typeof chunk.data).toBe('string');
    await insertSpanChunks(asServer, [chunk], 30_000);
    const stored = await (
      await store.client.query({
        query: "SELECT toString(toUnixTimestamp64Nano(timestamp)) AS ns, request_fields, attributes FROM egress_spans WHERE trace_id = '33333333333333333333333333333333'",
        format: 'JSONEachRow',
      })
    ).json();
    expect(stored).toEqual([{ ns: exactNs.toString(), request_fields: ['amount:number'], attributes: { 'resource.host.name': 'web-2' } }]);
  });

  it('feeds the rollup and the data map in the same insert, and leaves no batch file behind', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const rows = Array.from({ length: 3000 }, (_, i) =>
      row({ timestamp_ns: now, vendor: 'twilio', trace_id: i.toString(16).padStart(32, '0'), request_fields: ['To:string'], request_pii: ['To:phone'], status_code: i % 10 === 0 ? 500 : 200 }),
    );
    await insertSpans(store, rows, 30_000);
    const minute = await (await store.client.query({ query: "SELECT sum(calls) AS calls, sum(errors) AS errors FROM egress_minute WHERE vendor = 'twilio'", format: 'JSONEachRow' })).json();
    expect(minute).toEqual([{ calls: 3000, errors: 300 }]);
    const fields = await (await store.client.query({ query: "SELECT field, type, pii, sum(calls) AS calls FROM egress_fields WHERE vendor = 'twilio' GROUP BY field, type, pii", format: 'JSONEachRow' })).json();
    expect(fields).toEqual([{ field: 'To', type: 'string', pii: 'phone', calls: 3000 }]);
    expect(readdirSync(join(db.dataDir, 'insert-scratch'))).toEqual([]);
  });

  it('drops batch files a killed process left behind when the store opens again', async () => {
    // What a SIGKILL between writing a batch file and inserting it leaves: a batch nobody acknowledged.
    store = await db.reopen(() => writeFileSync(join(db.dataDir, 'insert-scratch', 'egress_spans-left-over.native'), Buffer.from([1, 2, 3])));
    expect(readdirSync(join(db.dataDir, 'insert-scratch'))).toEqual([]);
  });
});
