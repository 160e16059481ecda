import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import type { Finding } from '../../../common/types.js';
import { DetectionCache, evaluateStep, type DetectionSettings } from '../../../detectors/evaluate-step.js';
import { migrate } from '../../../storage/migrate.js';
import { openStore, type Store } from '../../../storage/store.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2026-11-16 00:00 UTC: a week of history, evaluated on the next Monday night. */
const START = Date.UTC(2026, 10, 16);
const NIGHT = START + 7 * DAY + 2 * HOUR;

const settings: DetectionSettings = { detection: DEFAULT_DETECTION_CONFIG, vendors: {} };

function dt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Minute rollups of a sync job whose calls follow the day (40/min at 14:00, 4/min at 02:00) and
 * whose failures do not: `errors` a minute whatever the calls (a health probe that always fails,
 * a retry loop). Its error ratio is 2.5% by day and 25% at night; over the week, 4.5%.
 */
async function insertJob(store: Store, from: number, to: number, errors: string): Promise<void> {
  await store.client.command({
    query: `INSERT INTO egress_minute
            SELECT toDateTime({from:DateTime}, 'UTC') + toIntervalMinute(number) AS minute, 'sync', 'acme', 'api.acme.test', 'POST', '/v1/items',
                   toUInt64(if(toHour(minute) >= 8 AND toHour(minute) < 20, 40, 8)) AS calls, toUInt64(${errors}) AS errors,
                   calls * 400, calls * 900, arrayReduce('quantilesState(0.5, 0.95, 0.99)', [toUInt64(100000000)])
            FROM numbers({rows:UInt64})`,
    query_params: { from: dt(from), rows: Math.round((to - from) / MIN) },
  });
}

describe('the error rule and the recent hours read from the store', () => {
  const dir = tempDir();
  let store: Store;

  async function replay(from: number, to: number): Promise<Finding[]> {
    const cache = new DetectionCache();
    const out: Finding[] = [];
    for (let t = from; t < to; t += MIN) out.push(...(await evaluateStep(store, { stepEnd: t + MIN + 30_000 }, settings, cache)));
    return out.filter((f) => f.kind === 'error_spike');
  }

  beforeAll(async () => {
    store = await openStore({ dataDir: dir.path });
    await migrate(store);
    await insertJob(store, START, NIGHT, '2');
  }, 120_000);
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  it('does not call a job that fails two calls a minute day and night an error spike at night', async () => {
    await insertJob(store, NIGHT, NIGHT + HOUR, '2');
    // 25% at night, 5% by day: against the week's 8.3% every night minute would be news.
    expect(await replay(NIGHT, NIGHT + 30 * MIN)).toEqual([]);
  }, 300_000);

  it('still flags the same job when all its night calls fail', async () => {
    const at = NIGHT + HOUR;
    await insertJob(store, at, at + 20 * MIN, 'calls');
    const spikes = await replay(at, at + 20 * MIN);
    expect(spikes.length).toBeGreaterThan(0);
    expect(spikes[0]!.at - at).toBeLessThanOrEqual(10 * MIN);
  }, 300_000);
});
