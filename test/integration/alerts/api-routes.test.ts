import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiRoutes } from '../../../cli/api-routes.js';
import { alertApiRoutes } from '../../../cli/commands/alerts.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { spanRow } from '../../helpers/span-rows.js';

describe('alerts, silences and policy on the local JSON API', () => {
  const db = useMigratedStore();
  let store: Store;
  let app: FastifyInstance;
  const auth = { authorization: 'Bearer test-token-0123456789' };
  beforeAll(async () => {
    store = db.current;
    app = Fastify();
    registerApiRoutes(app, store, 'test-token-0123456789', alertApiRoutes(parseConfig({ vendors: { stripe: { allow_pii: ['email'] } } })));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers the inventory in pages of vendors, in name order, with where the next page starts', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    await db.insertSpans(Array.from({ length: 5 }, (_, i) => spanRow({ timestampMs: minute, service: 'svc', vendor: `vendor-${i}`, host: `api.vendor-${i}.example`, method: 'GET', route: '/v1/x' })));
    const page = async (query: string): Promise<{ vendors: { vendor: string }[]; next_offset?: number }> => (await app.inject({ method: 'GET', url: `/api/vendors?${query}`, headers: auth })).json();
    const first = await page('limit=2');
    expect(first.vendors.map((v) => v.vendor)).toEqual(['vendor-0', 'vendor-1']);
    expect(first.next_offset).toBe(2);
    const last = await page('limit=2&offset=4');
    expect(last.vendors.map((v) => v.vendor)).toEqual(['vendor-4']);
    expect(last.next_offset).toBeUndefined();
    expect((await page('')).vendors).toHaveLength(5);
    // A range that ends before the traffic holds none of it.
    expect((await page(`from=${minute - 3_600_000}&to=${minute - 60_000}`)).vendors).toEqual([]);
    expect((await page(`from=${minute - 3_600_000}&to=${minute + 60_000}`)).vendors).toHaveLength(5);
    expect((await app.inject({ method: 'GET', url: '/api/vendors?limit=100000', headers: auth })).statusCode).toBe(400);
  });

  it('creates, lists and expires a silence, and answers 400 with the reason for a bad one', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/silences', headers: auth, payload: { matchers: ['vendor=stripe'], duration: '2h', comment: 'INC-1' } });
    expect(created.statusCode).toBe(200);
    const { id } = created.json() as { id: string };
    expect((await app.inject({ method: 'GET', url: '/api/silences', headers: auth })).json()).toMatchObject([{ id, state: 'active' }]);
    expect((await app.inject({ method: 'POST', url: `/api/silences/${id}/expire`, headers: auth })).json()).toMatchObject({ id, state: 'expired' });
    const bad = await app.inject({ method: 'POST', url: '/api/silences', headers: auth, payload: { matchers: ['vendor~stripe'], duration: '2h', comment: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/expected name=value/);
    expect((await app.inject({ method: 'GET', url: '/api/silences' })).statusCode).toBe(401);
  });

  it('lists alerts by status and runs the policy gate', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/alerts?status=firing', headers: auth })).json()).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/alerts?status=open', headers: auth })).statusCode).toBe(400);
    await db.insertSpans([spanRow({ route: '/v1/customers', request_fields: ['ssn:string'], request_pii: ['ssn:ssn'] })]);
    const policy = (await app.inject({ method: 'GET', url: '/api/policy?since=1d', headers: auth })).json();
    expect(policy).toMatchObject({ ok: false, violations: [{ vendor: 'stripe', route: '/v1/customers', field: 'ssn', pii: 'ssn' }], flows: [{ vendor: 'stripe', pii: 'ssn' }] });
  });
});
