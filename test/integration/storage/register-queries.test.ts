import { beforeAll, describe, expect, it } from 'vitest';
import { loadDashboards } from '../../../dashboards/dashboard-files.js';
import { dashboardQueries, expandPanelSql } from '../../../dashboards/panel-sql.js';
import { loadMigrations } from '../../../storage/migrate.js';
import { readPiiKpi, readRouteFlows } from '../../../storage/register-queries.js';
import type { Store } from '../../../storage/store.js';
import { spanRow } from '../../helpers/span-rows.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';

// The register's reads and the KPI rollup (migration 010) on the embedded store, spans inserted
// as ingest writes them: the materialized views fill egress_minute, egress_fields and egress_pii_daily.
const DAY = 86_400_000;
const D1 = Date.parse('2026-11-21T00:00:00Z');
const ts = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const stripe = { service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', method: 'POST', route: '/v1/charges' };
const twilio = { service: 'signup', vendor: 'twilio', host: 'api.twilio.com', method: 'POST', route: '/Messages.json' };

describe('register queries on the embedded store', () => {
  const db = useMigratedStore();
  let store: Store;

  beforeAll(async () => {
    store = db.current;
    await store.client.insert({
      table: 'egress_spans',
      format: 'JSONEachRow',
      values: [
        // Day 1: stripe gets card and e-mail in two fields, twilio a phone number.
        spanRow({ timestamp: ts(D1 + 10 * 3_600_000), ...stripe, request_fields: ['amount:number', 'card.number:string', 'customer.email:string'], request_pii: ['card.number:card', 'customer.email:email'] }),
        spanRow({ timestamp: ts(D1 + 11 * 3_600_000), ...stripe, service: 'billing', request_fields: ['card.number:string'], request_pii: ['card.number:card'] }),
        spanRow({ timestamp: ts(D1 + 12 * 3_600_000), ...twilio, request_fields: ['To:string'], request_pii: ['To:phone'], response_pii: ['caller.email:email'] }),
        // Day 2: stripe only the card; an internal order reference to twilio does not count as sensitive.
        spanRow({ timestamp: ts(D1 + DAY + 3_600_000), ...stripe, request_fields: ['card.number:string'], request_pii: ['card.number:card'] }),
        spanRow({ timestamp: ts(D1 + DAY + 2 * 3_600_000), ...twilio, request_fields: ['ref:string'], request_pii: ['ref:order_ref'] }),
        // Day 3: nothing sensitive, one call without PII.
        spanRow({ timestamp: ts(D1 + 2 * DAY + 3_600_000), ...stripe, request_fields: ['amount:number'], request_pii: [] }),
      ],
    });
  });

  it('reads one flow per (service, vendor, route) with the window calls and its fields', async () => {
    const flows = await readRouteFlows(store, { sinceMs: D1, untilMs: D1 + 3 * DAY });
    expect(flows.map((f) => [f.service, f.vendor, f.route, f.calls])).toEqual([
      ['billing', 'stripe', '/v1/charges', 1],
      ['checkout', 'stripe', '/v1/charges', 3],
      ['signup', 'twilio', '/Messages.json', 2],
    ]);
    const checkout = flows[1]!;
    expect(checkout).toMatchObject({ methods: ['POST'], hosts: ['api.stripe.com'], first_seen: '2026-11-21T10:00:00Z', last_seen: '2026-11-23T01:00:59Z' });
    expect(checkout.fields.map((f) => [f.direction, f.field, f.pii])).toEqual([
      ['request', 'amount', []],
      ['request', 'card.number', ['card']],
      ['request', 'customer.email', ['email']],
    ]);
    expect(flows[2]!.fields.find((f) => f.direction === 'response')).toMatchObject({ field: 'caller.email', pii: ['email'] });
    // A window and a vendor filter narrow it.
    expect((await readRouteFlows(store, { sinceMs: D1 + DAY, untilMs: D1 + 2 * DAY, vendors: ['twilio'] })).map((f) => [f.vendor, f.calls])).toEqual([['twilio', 1]]);
    expect(await readRouteFlows(store, { sinceMs: D1 - 10 * DAY, untilMs: D1 - 9 * DAY })).toEqual([]);
  });

  it('counts sensitive fields per vendor per day, leaving out the classes below personal', async () => {
    const kpi = await readPiiKpi(store, { fromMs: D1, toMs: D1 + 3 * DAY, notSensitive: ['order_ref'] });
    expect(kpi.days).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    // Day 1: stripe card.number (two services, one field) and customer.email; twilio To.
    expect(kpi.vendors).toEqual([
      { vendor: 'stripe', fields: [2, 1, 0] },
      { vendor: 'twilio', fields: [1, 0, 0] },
    ]);
    expect(kpi.total).toEqual([3, 1, 0]);
    const all = await readPiiKpi(store, { fromMs: D1, toMs: D1 + 3 * DAY, notSensitive: [] });
    expect(all.vendors.find((v) => v.vendor === 'twilio')?.fields).toEqual([1, 1, 0]);
  });

  it('fills the rollup from spans stored before the upgrade (the backfill of migration 010)', async () => {
    await store.client.command({ query: 'TRUNCATE TABLE egress_pii_daily' });
    expect((await readPiiKpi(store, { fromMs: D1, toMs: D1 + 3 * DAY, notSensitive: [] })).total).toEqual([0, 0, 0]);
    const backfill = loadMigrations().find((m) => m.version === 10)!.statements.find((s) => s.startsWith('INSERT INTO egress_pii_daily'))!;
    await store.client.command({ query: backfill });
    expect((await readPiiKpi(store, { fromMs: D1, toMs: D1 + 3 * DAY, notSensitive: ['order_ref'] })).total).toEqual([3, 1, 0]);
  });

  it("the Grafana overview's KPI panel shows the same counts per vendor and day", async () => {
    const panel = loadDashboards()
      .flatMap((d) => dashboardQueries(d.dashboard))
      .find((q) => q.dashboardUid === 'egresswatch-overview' && q.title === 'Sensitive fields sent per vendor per day')!;
    const sql = expandPanelSql(panel.rawSql, { fromMs: D1, toMs: D1 + 3 * DAY - 1, minIntervalMs: panel.minIntervalMs, variables: {} });
    const rows = await (await store.client.query({ query: sql, format: 'JSONEachRow' })).json<{ time: string; vendor: string; sensitive_fields: string }>();
    expect(rows.map((r) => [r.time.slice(0, 10), r.vendor, Number(r.sensitive_fields)])).toEqual([
      ['2026-11-21', 'stripe', 2],
      ['2026-11-21', 'twilio', 1],
      ['2026-11-22', 'stripe', 1],
      ['2026-11-22', 'twilio', 1],
    ]);
  });
});
