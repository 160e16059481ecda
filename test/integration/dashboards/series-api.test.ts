import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiRoutes } from '../../../cli/api-routes.js';
import { alertApiRoutes } from '../../../cli/commands/alerts.js';
import { seriesApiRoutes, type SeriesAnswer } from '../../../cli/series-api.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Alert } from '../../../common/types.js';
import { recordAlerts } from '../../../storage/alert-store.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';

// What the console's charts and alert history read: /api/series over the per-minute rollup, and
// /api/alerts over a time range, on a real embedded store behind the real API routes.
const TOKEN = 'series-test-token-0123456789';
const MINUTE = 60_000;

describe('time series and alert history API', () => {
  const db = useMigratedStore();
  let store: Store;
  let app: FastifyInstance;
  let base: string;
  // Two hours of traffic from a 10-minute boundary in the recent past.
  const t0 = Math.floor(Date.now() / (10 * MINUTE)) * 10 * MINUTE - 150 * MINUTE;
  const end = t0 + 120 * MINUTE;
  const stripeCalls = (k: number): number => k % 4;

  const call = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    store = db.current;
    const rows: Record<string, unknown>[] = [];
    const at = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    for (let k = 0; k < 120; k++) {
      for (let j = 0; j < stripeCalls(k); j++) {
        rows.push({ timestamp: at(t0 + k * MINUTE + j * 1000), service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', method: 'POST', route: '/v1/charges', status_code: 200, duration_ns: 20_000_000, request_bytes: 100 + k, response_bytes: 7 });
      }
      // One failing call every 10 minutes to twilio, each slower than the last.
      if (k % 10 === 0) {
        rows.push({ timestamp: at(t0 + k * MINUTE + 30_000), service: 'notify', vendor: 'twilio', host: 'api.twilio.com', method: 'POST', route: '/Messages.json', status_code: 503, duration_ns: (k + 5) * 1_000_000, request_bytes: 50, response_bytes: 0 });
      }
    }
    await store.client.insert({ table: 'egress_spans', format: 'JSONEachRow', values: rows });

    const alert = (fingerprint: string, vendor: string, startsAt: number, endsAt?: number): Alert => ({
      fingerprint,
      kind: 'volume_spike',
      severity: 'warning',
      status: endsAt === undefined ? 'firing' : 'resolved',
      vendor,
      service: 'checkout',
      startsAt: new Date(startsAt).toISOString(),
      ...(endsAt === undefined ? {} : { endsAt: new Date(endsAt).toISOString() }),
      summary: `${fingerprint} summary`,
      runbook_url: 'http://127.0.0.1:4318/runbooks/volume_spike',
      labels: { kind: 'volume_spike', vendor },
      annotations: {},
    });
    // Each alert as the lifecycle writes it: a firing row when it starts, a resolved row when it ends.
    const lifecycle: Array<[string, string, number, number | undefined]> = [
      ['before-range', 'stripe', t0 - 3 * 1440 * MINUTE, t0 - 3 * 1440 * MINUTE + 10 * MINUTE],
      ['in-range', 'stripe', t0 + 10 * MINUTE, t0 + 20 * MINUTE],
      ['firing-since-days', 'stripe', t0 - 2 * 1440 * MINUTE, undefined],
      ['twilio-firing', 'twilio', t0 + 30 * MINUTE, undefined],
      ['after-range', 'stripe', end + 10 * MINUTE, end + 12 * MINUTE],
    ];
    for (const [fingerprint, vendor, start, stop] of lifecycle) {
      await recordAlerts(store, [alert(fingerprint, vendor, start)], start);
      if (stop !== undefined) await recordAlerts(store, [alert(fingerprint, vendor, start, stop)], stop);
    }

    const config = parseConfig({ data_dir: db.dataDir, alerts: { dashboard_url_template: 'https://grafana.example/d/egresswatch-vendor?var-vendor={vendor}&var-service={service}' } });
    app = Fastify({ logger: false });
    registerApiRoutes(app, store, TOKEN, [...alertApiRoutes(config), ...seriesApiRoutes(config)]);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers every minute of the range per vendor: calls, errors, bytes and p95 as stored, zeros where nothing was sent', async () => {
    const { status, body } = await call<SeriesAnswer>(`/api/series?vendor=stripe&vendor=twilio&vendor=nosuch&from=${t0}&to=${new Date(end).toISOString()}`);
    expect(status).toBe(200);
    expect([body.from, body.to, body.step_seconds]).toEqual([new Date(t0).toISOString(), new Date(end).toISOString(), 60]);
    const [stripe, twilio, nosuch] = body.series;
    const minutes = Array.from({ length: 120 }, (_, k) => k);
    expect(stripe!.vendor).toBe('stripe');
    expect(stripe!.t).toEqual(minutes.map((k) => (t0 + k * MINUTE) / 1000));
    expect(stripe!.calls).toEqual(minutes.map(stripeCalls));
    expect(stripe!.request_bytes).toEqual(minutes.map((k) => stripeCalls(k) * (100 + k)));
    expect(stripe!.response_bytes).toEqual(minutes.map((k) => stripeCalls(k) * 7));
    expect(stripe!.errors.every((e) => e === 0)).toBe(true);
    expect(stripe!.p95_ms).toEqual(minutes.map((k) => (stripeCalls(k) > 0 ? 20 : null)));
    expect(twilio!.errors).toEqual(minutes.map((k) => (k % 10 === 0 ? 1 : 0)));
    expect(twilio!.p95_ms).toEqual(minutes.map((k) => (k % 10 === 0 ? k + 5 : null)));
    expect([nosuch!.vendor, nosuch!.calls.length, nosuch!.calls.every((c) => c === 0)]).toEqual(['nosuch', 120, true]);
    // The Grafana vendor dashboard, on all services, for each vendor.
    expect(stripe!.dashboard_url).toBe('https://grafana.example/d/egresswatch-vendor?var-vendor=stripe&var-service=%24__all');
  });

  it('sums buckets of the step asked for, and keeps any range within 500 buckets of a round size', async () => {
    const tenMinutes = await call<SeriesAnswer>(`/api/series?vendor=stripe&from=${t0}&to=${end}&step=10m`);
    expect(tenMinutes.body.step_seconds).toBe(600);
    expect(tenMinutes.body.series[0]!.calls).toEqual(Array.from({ length: 12 }, (_, b) => Array.from({ length: 10 }, (_, i) => stripeCalls(b * 10 + i)).reduce((x, y) => x + y, 0)));

    const steps: Array<[string, number]> = [];
    for (const range of ['1h', '24h', '7d', '30d', '400d']) {
      const { body } = await call<SeriesAnswer>(`/api/series?vendor=stripe&from=now-${range}`);
      expect(body.series[0]!.t.length).toBeLessThanOrEqual(500);
      // Buckets start on multiples of the step: the same minute lands in the same bucket on every reload.
      expect(body.series[0]!.t.every((t) => t % body.step_seconds === 0)).toBe(true);
      steps.push([range, body.step_seconds]);
    }
    expect(steps).toEqual([
      ['1h', 60],
      ['24h', 300],
      ['7d', 1800],
      ['30d', 7200],
      ['400d', 86400],
    ]);
    // Totals do not depend on the bucket size.
    const day = await call<SeriesAnswer>(`/api/series?vendor=stripe&from=now-24h`);
    expect(day.body.series[0]!.calls.reduce((a, b) => a + b, 0)).toBe(Array.from({ length: 120 }, (_, k) => stripeCalls(k)).reduce((a, b) => a + b, 0));
  });

  it('refuses what it cannot answer with a sentence: too many vendors, an empty range, a bad time', async () => {
    const many = new URLSearchParams(Array.from({ length: 51 }, (_, i): [string, string] => ['vendor', `v${i}`]));
    const cases: Array<[string, RegExp]> = [
      [`/api/series?${many}`, /at most 50 vendors per request/],
      [`/api/series?vendor=stripe&from=${end}&to=${t0}`, /from must be before to/],
      ['/api/series?vendor=stripe&from=yesterday', /from: 'yesterday' is not a time/],
      ['/api/series?vendor=stripe&step=often', /step: 'often' is not a duration/],
      ['/api/series?from=now-1h', /vendor/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await call<{ message: string }>(path);
      expect([path, status]).toEqual([path, 400]);
      expect(body.message).toMatch(message);
    }
  });

  it('lists the alerts that fired within a range: resolved in it, firing since before it; not those over before it or begun after it', async () => {
    const range = `from=${t0}&to=${end}`;
    const names = async (query: string): Promise<string[]> => (await call<Alert[]>(`/api/alerts?${query}`)).body.map((a) => a.fingerprint).sort();
    expect(await names(range)).toEqual(['firing-since-days', 'in-range', 'twilio-firing']);
    expect(await names(`${range}&vendor=stripe`)).toEqual(['firing-since-days', 'in-range']);
    expect(await names(`${range}&status=resolved`)).toEqual(['in-range']);
    expect(await names(`from=${end}`)).toEqual(['after-range', 'firing-since-days', 'twilio-firing']);
    // Without a range, as before: the latest state of every alert.
    expect(await names('')).toEqual(['after-range', 'before-range', 'firing-since-days', 'in-range', 'twilio-firing']);
    expect(await names('vendor=twilio')).toEqual(['twilio-firing']);
  });
});
