import { beforeAll, describe, expect, it } from 'vitest';
import { loadDashboards } from '../../../dashboards/dashboard-files.js';
import { dashboardQueries, expandPanelSql, type DashboardQuery, type VariableValue } from '../../../dashboards/panel-sql.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { spanRow } from '../../helpers/span-rows.js';
import { alertRow } from './rows.js';

// A dashboard variable holds whatever a URL says (`?var-vendor=…` is kept even when it is not
// among the options), and the options themselves come from stored rows that ingest did not
// always validate. Each value below is selected as vendor, service and PII class; every panel
// that uses a variable must then show exactly what it shows for a harmless twin vendor with the
// same rows (`twin-NN`), so no value can end the string literal, widen the filter, or pull in
// another vendor's rows.
const HOSTILE = [
  "\\' OR 1=1 -- ",
  "'",
  '\\',
  '%27',
  "' OR vendor != '",
  "x') OR 1=1 OR vendor IN ('",
  'ünï €😀',
  'a,b',
  '{stripe,twilio}',
  'x&var-vendor=stripe',
  '$vendor',
];

const FROM = Date.parse('2026-11-23T09:00:00Z');
const TO = Date.parse('2026-11-23T11:00:00Z');
const twin = (i: number): string => `twin-${String(i).padStart(2, '0')}`;

/** The rows of one vendor; every name in them is derived from the vendor's, so a twin's rows map onto it. */
function vendorRows(vendor: string): { spans: Record<string, unknown>[]; alert: Record<string, unknown> } {
  const o = {
    vendor,
    service: `svc-${vendor}`,
    host: 'api.example.com',
    method: 'POST',
    route: '/v1/items',
    request_bytes: 10,
    response_bytes: 20,
    shape_hash: 'h',
    request_fields: ['note:string', 'amount:number'],
    request_pii: [`note:${vendor}`],
    response_fields: ['id:string'],
  };
  return {
    spans: [spanRow({ timestamp: '2026-11-23 10:00:05', ...o, duration_ns: 5_000_000 }), spanRow({ timestamp: '2026-11-23 10:02:00', ...o, duration_ns: 7_000_000, status_code: 502 })],
    alert: alertRow({ fingerprint: `fp-${vendor}`, vendor, service: `svc-${vendor}`, status: 'firing', starts_at: '2026-11-23 10:03:00', updated_at: '2026-11-23 10:03:00' }),
  };
}

/** Rows as a sorted list of JSON texts, the twin's name replaced by the hostile one. */
function normalized(result: Record<string, unknown>[], from: readonly string[], to: readonly string[]): string[] {
  return result
    .map((row) => {
      let text = JSON.stringify(row);
      from.forEach((name, i) => (text = text.split(name).join(JSON.stringify(to[i]!).slice(1, -1))));
      return text;
    })
    .sort();
}

const usesVariable = (q: DashboardQuery): boolean => /\$\{?(?!__)\w|\[\[\w/.test(q.rawSql);
/** Whether the query filters on a variable the selection names one by one (not "All"). */
const filtersOn = (q: DashboardQuery, selection: Record<string, VariableValue>): boolean =>
  Object.entries(selection).some(([name, value]) => !(typeof value === 'object' && 'all' in value) && q.rawSql.includes(`\${${name}:`));

describe('dashboard variables holding hostile values', () => {
  const db = useMigratedStore();
  let store: Store;
  const queries = loadDashboards().flatMap((d) => dashboardQueries(d.dashboard));
  const vendorQueries = queries.filter((q) => q.dashboardUid === 'egresswatch-vendor' && usesVariable(q));
  const dataMapQueries = queries.filter((q) => q.dashboardUid === 'egresswatch-data-map' && usesVariable(q));

  async function rows(q: DashboardQuery, variables: Record<string, VariableValue>): Promise<Record<string, unknown>[]> {
    const sql = expandPanelSql(q.rawSql, { fromMs: FROM, toMs: TO, minIntervalMs: q.minIntervalMs, variables });
    const rs = await store.client.query({ query: sql, format: 'JSONEachRow' });
    return rs.json<Record<string, unknown>>();
  }

  beforeAll(async () => {
    store = db.current;
    const names = [...HOSTILE, ...HOSTILE.map((_, i) => twin(i)), 'stripe', 'twilio', '$__fromTime'];
    const all = names.map(vendorRows);
    await store.client.insert({ table: 'egress_spans', format: 'JSONEachRow', values: all.flatMap((r) => r.spans) });
    await store.client.insert({ table: 'alerts', format: 'JSONEachRow', values: all.map((r) => r.alert) });
  });

  it('covers every panel of the two dashboards with variables', () => {
    expect(vendorQueries.length).toBeGreaterThan(10);
    expect(dataMapQueries.length).toBeGreaterThan(5);
  });

  it('lists hostile stored values as they are, so they can be seen and selected', async () => {
    const variable = queries.find((q) => q.dashboardUid === 'egresswatch-vendor' && q.title === '$vendor')!;
    const listed = (await rows(variable, {})).map((r) => r['vendor']);
    for (const h of HOSTILE) expect(listed).toContain(h);
  });

  it.each(HOSTILE.map((h, i) => [h, i] as const))('vendor dashboard with vendor %j: its rows only, as for a harmless name', async (h, i) => {
    const t = twin(i);
    const selections: Array<[Record<string, VariableValue>, Record<string, VariableValue>]> = [
      [{ vendor: h, service: [`svc-${h}`] }, { vendor: t, service: [`svc-${t}`] }],
      [{ vendor: h, service: { all: [`svc-${h}`] } }, { vendor: t, service: { all: [`svc-${t}`] } }],
    ];
    for (const q of vendorQueries) {
      for (const [hostile, harmless] of selections) {
        const expected = normalized(await rows(q, harmless), [t], [h]);
        expect(normalized(await rows(q, hostile), [], []), `${q.title} with ${JSON.stringify(hostile)}`).toEqual(expected);
      }
    }
    const calls = vendorQueries.find((q) => q.title === 'Calls')!;
    expect(await rows(calls, { vendor: h, service: [`svc-${h}`] })).toEqual([{ calls: 2 }]);
  });

  it.each(HOSTILE.map((h, i) => [h, i] as const))('data map with vendor and PII class %j: its rows only, as for a harmless name', async (h, i) => {
    const j = (i + 1) % HOSTILE.length;
    const h2 = HOSTILE[j]!;
    const [t, t2] = [twin(i), twin(j)];
    const selections: Array<[Record<string, VariableValue>, Record<string, VariableValue>]> = [
      [{ vendor: [h], pii: { all: [h] } }, { vendor: [t], pii: { all: [t] } }],
      [{ vendor: { all: [h] }, pii: [h] }, { vendor: { all: [t] }, pii: [t] }],
      [{ vendor: [h, h2], pii: [h, h2] }, { vendor: [t, t2], pii: [t, t2] }],
    ];
    for (const q of dataMapQueries) {
      for (const [hostile, harmless] of selections.filter(([sel]) => filtersOn(q, sel))) {
        const expected = normalized(await rows(q, harmless), [t, t2], [h, h2]);
        expect(normalized(await rows(q, hostile), [], []), `${q.title} with ${JSON.stringify(hostile)}`).toEqual(expected);
      }
    }
    const dataMap = dataMapQueries.find((q) => q.title === 'Data map')!;
    expect((await rows(dataMap, { vendor: [h], pii: { all: [h] } })).map((r) => r['vendor'])).toContain(h);
  });

  // Grafana's queryparam format leaves `$` readable, so the plugin's backend expands a macro name
  // inside a selected value (here to toDateTime(…)): the multi-value filters then match nothing.
  // The value still stays inside its literal, and no other vendor's rows appear.
  it('a value that looks like a plugin macro matches nothing else', async () => {
    const h = '$__fromTime';
    const others = ['stripe', 'twilio', ...HOSTILE.map((_, i) => twin(i))];
    const selections: Array<[DashboardQuery[], Record<string, VariableValue>]> = [
      [vendorQueries, { vendor: h, service: [`svc-${h}`] }],
      [vendorQueries, { vendor: h, service: { all: [`svc-${h}`] } }],
      [dataMapQueries, { vendor: [h], pii: [h] }],
    ];
    for (const [qs, variables] of selections) {
      for (const q of qs) {
        const text = JSON.stringify(await rows(q, variables));
        for (const other of others) expect(text, `${q.title} with ${JSON.stringify(variables)}`).not.toContain(other);
      }
    }
    const calls = vendorQueries.find((q) => q.title === 'Calls')!;
    expect(await rows(calls, { vendor: h, service: { all: [] } })).toEqual([{ calls: 2 }]);
  });
});
