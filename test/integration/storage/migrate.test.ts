import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../storage/store.js';
import { migrate } from '../../../storage/migrate.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('migrations on the embedded store', () => {
  const dir = tempDir();
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: dir.path });
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  it('creates the contract tables once and records them', async () => {
    const first = await migrate(store, { retentionDays: 7 });
    expect(first.length).toBeGreaterThanOrEqual(4);
    expect(await migrate(store)).toEqual([]);
    const rs = await store.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name', format: 'JSONEachRow' });
    const names = (await rs.json<{ name: string }>()).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['egress_spans', 'egress_minute', 'egress_fields', 'alerts', 'schema_migrations']));
  });

  it('rolls spans up per minute and into the data map with PII joined to its field', async () => {
    const ts = '2026-11-23 10:00:05.000000000';
    await store.client.insert({
      table: 'egress_spans',
      format: 'JSONEachRow',
      values: [
        { timestamp: ts, service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', method: 'POST', route: '/v1/charges', status_code: 200, duration_ns: 5_000_000, request_bytes: 100, response_bytes: 300, request_fields: ['amount:number', 'customer.email:string', 'card.number:string'], request_pii: ['customer.email:email', 'card.number:card'], response_fields: ['id:string'], response_pii: [], attributes: {} },
        { timestamp: ts, service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', method: 'POST', route: '/v1/charges', status_code: 502, duration_ns: 9_000_000, request_bytes: 50, response_bytes: 0, request_fields: ['amount:number'], request_pii: ['note:ssn'], response_fields: [], response_pii: [], attributes: {} },
      ],
    });
    const minute = await (await store.client.query({ query: 'SELECT minute, sum(calls) AS calls, sum(errors) AS errors, sum(request_bytes) AS rb FROM egress_minute GROUP BY minute', format: 'JSONEachRow' })).json();
    expect(minute).toEqual([{ minute: '2026-11-23 10:00:00', calls: 2, errors: 1, rb: 150 }]);
    const fields = await (
      await store.client.query({ query: "SELECT field, type, pii, sum(calls) AS calls FROM egress_fields WHERE direction = 'request' GROUP BY field, type, pii ORDER BY field", format: 'JSONEachRow' })
    ).json();
    expect(fields).toEqual([
      { field: 'amount', type: 'number', pii: '', calls: 2 },
      { field: 'card.number', type: 'string', pii: 'card', calls: 1 },
      { field: 'customer.email', type: 'string', pii: 'email', calls: 1 },
      { field: 'note', type: '', pii: 'ssn', calls: 1 },
    ]);
  });
});
