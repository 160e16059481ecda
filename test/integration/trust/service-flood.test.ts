import { beforeAll, describe, expect, it } from 'vitest';
import { replayDetection } from '../../../app/replay.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Alert } from '../../../common/types.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { spanRow } from '../../helpers/span-rows.js';

const MIN = 60_000;
const SERVICES = 2_000;

/**
 * Service names have no budget: a sender can name any number of services (`service.name` is its
 * own resource attribute). 2,000 of them send SSNs to one never-seen vendor in one minute.
 */
describe('a flood of service names sending PII to one vendor', () => {
  const db = useMigratedStore();
  const at = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
  let alerts: Alert[] = [];

  beforeAll(async () => {
    await db.insertSpans(Array.from({ length: SERVICES }, (_, i) => spanRow({ timestampMs: at + (i % 50) * 1000, service: `svc-${'s'.repeat(100)}-${i}`, vendor: 'sink.example', host: 'api.sink.example', route: '/upload', request_pii: ['customer.ssn:ssn'] })));
    ({ alerts } = await replayDetection(db.current, parseConfig({ detection: { step_seconds: 60, lag_seconds: 0 } }), { fromMs: at + MIN, toMs: at + MIN, stepMs: MIN }));
  }, 180_000);

  it('raises the pii_violation', () => {
    expect(alerts.filter((a) => a.kind === 'pii_violation' && a.status === 'firing')).toHaveLength(1);
  });

  // Known gap, not fixed here (detectors/pii-detector.ts was being changed by another helper):
  // the alert's details list every service (`services`): 220 KB of alert for these 2,000 names, stored at
  // each state change and sent to every receiver. detectors/name-list.ts `namesUpTo` is the fix
  // new_destination and schema_drift use. `it.fails` turns red once bounded.
  it.fails('keeps the pii_violation alert small', () => {
    const alert = alerts.find((a) => a.kind === 'pii_violation')!;
    expect(JSON.stringify(alert).length).toBeLessThan(8_000);
  });
});
