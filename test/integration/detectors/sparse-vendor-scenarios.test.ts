import { beforeAll, describe, expect, it } from 'vitest';
import { replayDetection } from '../../../app/replay.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Alert } from '../../../common/types.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { insertFlow, type Flow } from './synthetic-traffic.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2026-11-16 00:00 UTC: four days of history, incidents on Friday. */
const START = Date.UTC(2026, 10, 16);
const FRIDAY = START + 4 * DAY;

/** A vendor called twice a minute in business hours (0.6 at night), 1% of calls failing. */
const salesforce: Flow = { service: 'crm-sync', vendor: 'salesforce', host: 'acme.my.salesforce.com', route: '/services/data/v60.0/sobjects/Contact', perMinute: 2, requestBytes: 900, fields: ['LastName:string'], pii: [], seed: 21 };
/** A busy one, 150 calls a minute. */
const stripe: Flow = { service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', route: '/v1/charges', perMinute: 150, requestBytes: 400, fields: ['amount:number'], pii: [], seed: 22 };

/**
 * The incidents of issue 15 through the real pipeline: spans into the embedded store, the
 * materialized rollups, evaluateStep's reads and the alert lifecycle, replayed by `detect`'s
 * replayDetection minute by minute.
 */
describe('sparse and busy vendors through detect', () => {
  const db = useMigratedStore();
  let store: Store;
  const config = parseConfig({});

  beforeAll(async () => {
    store = db.current;
    for (const flow of [salesforce, stripe]) await insertFlow(store, flow, START, FRIDAY + 10 * HOUR);
  }, 180_000);

  const lines = (alerts: Alert[]): string => alerts.map((a) => `${a.status} ${a.kind} ${a.vendor}/${a.service} ${a.startsAt} ${a.endsAt ?? ''}: ${a.summary}`).join('\n');

  it('raises one error_spike within 15 minutes when a vendor called twice a minute fails half its calls for 25 minutes, and resolves it', async () => {
    const at = FRIDAY + 10 * HOUR;
    await insertFlow(store, { ...salesforce, errorRate: 0.5 }, at, at + 25 * MIN);
    await insertFlow(store, salesforce, at + 25 * MIN, at + 2 * HOUR);
    await insertFlow(store, stripe, at, at + 2 * HOUR);
    const { alerts } = await replayDetection(store, config, { fromMs: at - 30 * MIN, toMs: at + 90 * MIN, stepMs: MIN });
    // One alert: fired, perhaps escalated once to critical as the failing share shows (a state
    // change of the same alert, same fingerprint), then resolved.
    const fired = alerts[0]!;
    const resolved = alerts[alerts.length - 1]!;
    expect(new Set(alerts.map((a) => `${a.kind} ${a.vendor}/${a.service} ${a.fingerprint}`)).size, lines(alerts)).toBe(1);
    expect(alerts.map((a) => a.status), lines(alerts)).toEqual(alerts.length === 3 ? ['firing', 'firing', 'resolved'] : ['firing', 'resolved']);
    expect(fired.kind).toBe('error_spike');
    if (alerts.length === 3) expect([fired.severity, alerts[1]!.severity]).toEqual(['warning', 'critical']);
    // startsAt is the minute of the run's first finding; error_spike fires on its second step, so
    // it is notified once the minute after startsAt has closed: within 15 minutes of the start.
    expect(Date.parse(fired.startsAt)).toBeGreaterThanOrEqual(at);
    expect(Date.parse(fired.startsAt) + 2 * MIN - at, lines(alerts)).toBeLessThanOrEqual(15 * MIN);
    expect(Date.parse(resolved.endsAt!)).toBeGreaterThan(at + 25 * MIN);
    expect(fired.summary).toMatch(/^Errors crm-sync → salesforce: \d+ of \d+ calls failed in the last (minute|\d+ min) \(\d+%\), usually \d(\.\d+)?%\.$/);
  }, 240_000);
});
