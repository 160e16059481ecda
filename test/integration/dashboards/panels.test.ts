import { beforeAll, describe, expect, it } from 'vitest';
import { loadDashboards } from '../../../dashboards/dashboard-files.js';
import { dashboardQueries, expandPanelSql, type DashboardQuery, type VariableValue } from '../../../dashboards/panel-sql.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { spanRow } from '../../helpers/span-rows.js';
import { alertRow } from './rows.js';

// Every panel of every dashboard runs against the embedded store with the plugin's macros
// expanded; the key panels must show the numbers inserted here.
const FROM = Date.parse('2026-11-23T09:00:00Z');
const TO = Date.parse('2026-11-23T11:00:00Z');

const variablesByDashboard: Record<string, Record<string, VariableValue>> = {
  'egresswatch-vendor': { vendor: 'stripe', service: { all: ['checkout'] } },
  'egresswatch-data-map': { vendor: { all: ['openai', 'stripe', 'twilio'] }, pii: { all: ['email', 'phone', 'ssn'] } },
};

const stripe = { service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', method: 'POST', route: '/v1/charges', request_bytes: 100, response_bytes: 400, shape_hash: 'h1', request_fields: ['amount:number', 'customer.email:string'], request_pii: ['customer.email:email'], response_fields: ['id:string'] };
const twilio = { service: 'signup', vendor: 'twilio', host: 'api.twilio.com', method: 'POST', route: '/2010-04-01/Accounts/{id}/Messages.json', request_bytes: 200, response_bytes: 50, request_fields: ['to:string', 'body:string'], request_pii: ['to:phone'] };
const openai = { service: 'support', vendor: 'openai', host: 'api.openai.com', method: 'POST', route: '/v1/chat/completions', request_bytes: 500, response_bytes: 900, request_fields: ['model:string'] };

describe('dashboard panels on the embedded store', () => {
  const db = useMigratedStore();
  let store: Store;
  const dashboards = loadDashboards();
  const all = dashboards.flatMap((d) => dashboardQueries(d.dashboard));

  async function rows(q: DashboardQuery, variables?: Record<string, VariableValue>): Promise<Record<string, unknown>[]> {
    const sql = expandPanelSql(q.rawSql, { fromMs: FROM, toMs: TO, minIntervalMs: q.minIntervalMs, variables: variables ?? variablesByDashboard[q.dashboardUid] ?? {} });
    const rs = await store.client.query({ query: sql, format: 'JSONEachRow' });
    return rs.json<Record<string, unknown>>();
  }
  function query(uid: string, title: string): DashboardQuery {
    const q = all.find((x) => x.dashboardUid === uid && x.title === title);
    if (!q) throw new Error(`no panel '${title}' in ${uid}`);
    return q;
  }
  async function single(uid: string, title: string, variables?: Record<string, VariableValue>): Promise<unknown> {
    const [row] = await rows(query(uid, title), variables);
    return Object.values(row ?? {})[0];
  }

  beforeAll(async () => {
    store = db.current;
    const insert = (values: Record<string, unknown>[]) => store.client.insert({ table: 'egress_spans', format: 'JSONEachRow', values });
    // Yesterday, outside the range: stripe was already known, and once got an SSN.
    await insert([spanRow({ timestamp: '2026-11-22 10:00:00', ...stripe, request_fields: ['amount:number'], request_pii: ['note:ssn'], duration_ns: 1_000_000 })]);
    await insert([
      spanRow({ timestamp: '2026-11-23 10:00:05', ...stripe, duration_ns: 10_000_000 }),
      spanRow({ timestamp: '2026-11-23 10:00:06', ...stripe, duration_ns: 20_000_000 }),
      spanRow({ timestamp: '2026-11-23 10:00:07', ...stripe, duration_ns: 30_000_000, status_code: 502, shape_hash: 'h2' }),
      spanRow({ timestamp: '2026-11-23 10:05:00', ...twilio, duration_ns: 50_000_000 }),
      spanRow({ timestamp: '2026-11-23 10:06:00', ...twilio, duration_ns: 60_000_000 }),
      spanRow({ timestamp: '2026-11-23 10:30:00', ...openai, duration_ns: 900_000_000 }),
    ]);
    await store.client.insert({
      table: 'alerts',
      format: 'JSONEachRow',
      values: [
        alertRow({ fingerprint: 'f-resolved', vendor: 'twilio', service: 'signup', status: 'firing', starts_at: '2026-11-23 10:10:00', updated_at: '2026-11-23 10:10:00' }),
        alertRow({ fingerprint: 'f-resolved', vendor: 'twilio', service: 'signup', status: 'resolved', starts_at: '2026-11-23 10:10:00', ends_at: '2026-11-23 10:20:00', updated_at: '2026-11-23 10:20:00' }),
        alertRow({ fingerprint: 'f-firing', kind: 'pii_new', severity: 'critical', vendor: 'stripe', field: 'customer.email', summary: 'stripe receives email', runbook_url: 'http://127.0.0.1:4318/runbooks/pii_new', status: 'firing', starts_at: '2026-11-23 10:01:00', updated_at: '2026-11-23 10:01:00' }),
      ],
    });
  });

  it('finds the ClickHouse queries of all five dashboards', () => {
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual(['egresswatch-alerts', 'egresswatch-data-map', 'egresswatch-overview', 'egresswatch-pipeline', 'egresswatch-vendor']);
    expect(all.length).toBeGreaterThan(40);
  });

  it('runs every panel and variable query without error', async () => {
    const failures: string[] = [];
    for (const q of all) {
      const where = `${q.dashboardUid} / ${q.title}`;
      try {
        const result = await rows(q);
        // What Grafana needs to draw them: one row for a stat, a leading time column for a graph.
        if (q.panelType === 'stat' && result.length !== 1) failures.push(`${where}: ${result.length} rows for a stat`);
        if (q.panelType === 'timeseries' && !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(String(Object.values(result[0] ?? {})[0]))) {
          failures.push(`${where}: first column is not a time: ${JSON.stringify(result[0])}`);
        }
      } catch (err) {
        failures.push(`${where}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('runs the filtered branch of every $__conditionalAll too', async () => {
    const selected: Record<string, Record<string, VariableValue>> = {
      'egresswatch-vendor': { vendor: 'stripe', service: ['checkout'] },
      'egresswatch-data-map': { vendor: ['stripe', 'twilio'], pii: ['email'] },
    };
    for (const q of all.filter((x) => x.rawSql.includes('$__conditionalAll'))) {
      await expect(rows(q, selected[q.dashboardUid]), `${q.dashboardUid} / ${q.title}`).resolves.toBeInstanceOf(Array);
    }
  });

  it('overview: totals, vendors, PII classes and alerts in the range', async () => {
    const uid = 'egresswatch-overview';
    expect(await single(uid, 'Calls')).toBe(6);
    expect(await single(uid, 'Error rate')).toBeCloseTo(1 / 6, 6);
    expect(await single(uid, 'Bytes sent')).toBe(3 * 100 + 2 * 200 + 500);
    expect(await single(uid, 'Vendors called')).toBe(3);
    // email and phone in range; yesterday's ssn is outside it.
    expect(await single(uid, 'PII classes sent')).toBe(2);
    expect(await single(uid, 'Firing alerts')).toBe(1);

    const vendors = await rows(query(uid, 'Vendors'));
    expect(vendors.map((v) => [v['vendor'], v['calls'], v['errors'], v['bytes_sent']])).toEqual([
      ['stripe', 3, 1, 300],
      ['twilio', 2, 0, 400],
      ['openai', 1, 0, 500],
    ]);
    expect(Number(vendors[2]!['p95_ms'])).toBeCloseTo(900, 0);

    const fresh = await rows(query(uid, 'New destinations in range'));
    expect(fresh.map((r) => r['host'])).toEqual(['api.openai.com', 'api.twilio.com']);

    const perVendor = await rows(query(uid, 'Calls per vendor'));
    const sums: Record<string, number> = {};
    for (const r of perVendor) sums[String(r['vendor'])] = (sums[String(r['vendor'])] ?? 0) + Number(r['calls']);
    expect(sums).toEqual({ stripe: 3, twilio: 2, openai: 1 });
    expect(perVendor.filter((r) => r['vendor'] === 'stripe').map((r) => r['time'])).toEqual(['2026-11-23 10:00:00']);
  });

  it('vendor detail: one vendor, its routes, fields, alerts and failing raw spans', async () => {
    const uid = 'egresswatch-vendor';
    expect(await single(uid, 'Calls')).toBe(3);
    expect(await single(uid, 'Error rate')).toBeCloseTo(1 / 3, 6);
    expect(await single(uid, 'Bytes sent')).toBe(300);
    const p95 = Number(await single(uid, 'p95 latency'));
    expect(p95).toBeGreaterThan(20);
    expect(p95).toBeLessThanOrEqual(30);
    expect(await single(uid, 'Calls', { vendor: 'stripe', service: ['billing'] })).toBe(0);

    expect(await rows(query(uid, '$vendor'))).toEqual([{ vendor: 'openai' }, { vendor: 'stripe' }, { vendor: 'twilio' }]);
    expect(await rows(query(uid, '$service'))).toEqual([{ service: 'checkout' }]);

    const routes = await rows(query(uid, 'Routes'));
    expect(routes.map((r) => [r['route'], r['methods'], r['services'], r['calls'], r['errors']])).toEqual([['/v1/charges', 'POST', 'checkout', 3, 1]]);

    const fields = await rows(query(uid, 'Fields sent and received'));
    // The data map counts calls over the field's whole life: yesterday's call counts for amount and id.
    expect(fields.map((f) => [f['direction'], f['field'], f['types'], f['pii_classes'], f['calls_total']])).toEqual([
      ['request', 'amount', 'number', '', 4],
      ['request', 'customer.email', 'string', 'email', 3],
      ['response', 'id', 'string', '', 4],
    ]);

    const alerts = await rows(query(uid, 'Alerts'));
    expect(alerts.map((a) => [a['fingerprint'], a['status'], a['runbook_url']])).toEqual([['f-firing', 'firing', 'http://127.0.0.1:4318/runbooks/pii_new']]);

    const failed = await rows(query(uid, 'Failed calls (raw spans)'));
    expect(failed.map((f) => [f['status_code'], f['duration_ms']])).toEqual([[502, 30]]);
    const shapes = await rows(query(uid, 'Request shapes (raw spans)'));
    expect(shapes.map((s) => [s['shape_hash'], s['calls']])).toEqual([['h1', 2], ['h2', 1]]);
  });

  it('data map: PII per vendor and the fields first seen in the range', async () => {
    const uid = 'egresswatch-data-map';
    expect(await single(uid, 'Fields carrying PII')).toBe(2);
    expect(await single(uid, 'Vendors receiving PII')).toBe(2);
    const byVendor = await rows(query(uid, 'PII by vendor'));
    expect(byVendor.map((r) => [r['vendor'], r['pii_classes'], r['calls_total']])).toEqual([
      ['stripe', 'email', 3],
      ['twilio', 'phone', 2],
    ]);
    const byClass = await rows(query(uid, 'Calls carrying each PII class (requests)'));
    // Yesterday's ssn is outside the range.
    expect(byClass).toEqual([{ pii: 'email', calls_total: 3 }, { pii: 'phone', calls_total: 2 }]);

    const emailOnly = await rows(query(uid, 'Data map'), { vendor: { all: ['openai', 'stripe', 'twilio'] }, pii: ['email'] });
    expect(emailOnly.map((r) => [r['vendor'], r['field'], r['pii_classes']])).toEqual([['stripe', 'customer.email', 'email']]);

    const changes = await rows(query(uid, 'Schema changes: fields first seen in range'));
    const keys = changes.map((r) => `${r['vendor']} ${r['direction']} ${r['field']}`).sort();
    // stripe's amount and id were already there yesterday, so they are not changes.
    expect(keys).toEqual(['openai request model', 'stripe request customer.email', 'twilio request body', 'twilio request to']);
  });

  it('alerts: current state per fingerprint and the history in the range', async () => {
    const uid = 'egresswatch-alerts';
    expect(await single(uid, 'Critical firing')).toBe(1);
    expect(await single(uid, 'Warning firing')).toBe(0);
    expect(await single(uid, 'Resolved in range')).toBe(1);
    const firing = await rows(query(uid, 'Firing now'));
    expect(firing.map((a) => [a['fingerprint'], a['severity'], a['vendor'], a['field']])).toEqual([['f-firing', 'critical', 'stripe', 'customer.email']]);
    expect(await rows(query(uid, 'State changes in range'))).toHaveLength(3);
  });

  it('pipeline health: stored spans and table sizes from system.parts', async () => {
    const uid = 'egresswatch-pipeline';
    expect(await single(uid, 'Spans stored in range')).toBe(6);
    const tables = await rows(query(uid, 'Tables'));
    expect(tables.find((t) => t['table'] === 'egress_spans')?.['rows']).toBe(7);
    const perSecond = await rows(query(uid, 'Spans stored per second'));
    // 1-minute buckets (the panels' minimum interval): 3 stripe spans in the 10:00 minute.
    expect(perSecond[0]).toEqual({ time: '2026-11-23 10:00:00', spans_per_second: 3 / 60 });
  });
});
