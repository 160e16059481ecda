import { beforeAll, describe, expect, it } from 'vitest';
import { replayDetection } from '../../../app/replay.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Alert } from '../../../common/types.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { insertFlow, type Flow } from '../detectors/synthetic-traffic.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2026-11-16 00:00 UTC. */
const START = Date.UTC(2026, 10, 16);

/** A notification vendor called three times a minute in business hours, 1% of calls failing. */
const notify = (vendor: string, seed: number): Flow => ({ service: 'notifier', vendor, host: `api.${vendor}.test`, route: '/v1/send', perMinute: 3, requestBytes: 300, fields: ['to:string'], pii: [], seed });

const lines = (alerts: Alert[]): string => alerts.map((a) => `${a.status} ${a.kind} ${a.vendor}/${a.service} ${a.startsAt}: ${a.summary}`).join('\n');

/**
 * The promise: a vendor called 3 times a minute that fails every call alerts. Checked with the
 * history a new installation has (a few hours) and with days of it, through the store and the
 * same replay the live worker's step runs.
 */
describe('a vendor called three times a minute that fails every call', () => {
  const db = useMigratedStore();
  let store: Store;
  const config = parseConfig({});
  const at = START + 4 * DAY + 10 * HOUR;

  beforeAll(async () => {
    store = db.current;
    // Days of history for one vendor, three hours for the other (installed this morning).
    await insertFlow(store, notify('longhist', 31), START, at);
    await insertFlow(store, notify('shorthist', 32), at - 3 * HOUR, at);
    for (const [vendor, seed] of [['longhist', 31], ['shorthist', 32]] as const) {
      await insertFlow(store, { ...notify(vendor, seed), errorRate: 1 }, at, at + 20 * MIN);
    }
  }, 180_000);

  const fires = async (vendor: string): Promise<void> => {
    const { alerts } = await replayDetection(store, config, { fromMs: at - 5 * MIN, toMs: at + 20 * MIN, stepMs: MIN });
    const fired = alerts.find((a) => a.vendor === vendor && a.kind === 'error_spike' && a.status === 'firing');
    expect(fired, lines(alerts)).toBeDefined();
    expect(Date.parse(fired!.startsAt) - at, lines(alerts)).toBeLessThanOrEqual(10 * MIN);
  };

  it('raises error_spike within 10 minutes with days of history', () => fires('longhist'), 240_000);

  // The warm-up (`detection.warmup_minutes`, 2 h) used to count from the window or the baselines,
  // which end 3 h before it, not from the recent hours between: it lasted 5-6 h, and this vendor
  // failed every call for 20 minutes with nothing raised.
  it('raises error_spike within 10 minutes with three hours of history', () => fires('shorthist'), 240_000);
});
