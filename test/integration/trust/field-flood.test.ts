import { describe, expect, it } from 'vitest';
import { planNotifications } from '../../../alerts/routing.js';
import { alertmanagerPayload } from '../../../alerts/webhook.js';
import { MIN, useReplayedFlood } from '../../helpers/replayed-flood.js';
import { spanRow } from '../../helpers/span-rows.js';

const FIELDS = 1_000;
/** A made-up field name as long as the collector keeps a path segment (64 chars). */
const field = (i: number): string => `${'f'.repeat(58)}${String(i).padStart(6, '0')}`;

/**
 * A route known for two hours is suddenly sent a thousand made-up field names (within the route's
 * field budget): one schema_drift alert, whose text stays small.
 */
describe('a flood of new field names on a known route', () => {
  const flood = useReplayedFlood(
    (at) => [
      ...Array.from({ length: 120 }, (_, m) => spanRow({ timestampMs: at - (120 - m) * MIN, vendor: 'acme.example', host: 'api.acme.example', route: '/v1/orders', request_fields: ['id:string'] })),
      ...Array.from({ length: 5 }, (_, s) =>
        spanRow({ timestampMs: at + s * 1000, vendor: 'acme.example', host: 'api.acme.example', route: '/v1/orders', request_fields: ['id:string', ...Array.from({ length: FIELDS / 5 }, (_, i) => `${field(s * (FIELDS / 5) + i)}:string`)] }),
      ),
    ],
    { minutesAgo: 5 },
  );

  it('raises one schema_drift alert that lists some names and counts the rest', () => {
    const drift = flood.alerts.filter((a) => a.kind === 'schema_drift');
    expect(drift).toHaveLength(1);
    const alert = drift[0]!;
    // Before: all 1,000 names in the summary (73 KB) and again in annotations.added.
    expect(alert.summary.length).toBeLessThan(2_000);
    expect(alert.summary).toContain(`${FIELDS - 10} more`);
    expect(alert.annotations.added!.split(',')).toHaveLength(51);
    expect(JSON.stringify(alert).length).toBeLessThan(8_000);
  });

  it('keeps the webhook body small', () => {
    const { jobs } = planNotifications(flood.alerts, flood.at + 2 * MIN, { receivers: [{ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: undefined }], routes: [], silences: [], groupIntervalMs: 300_000 });
    expect(jobs).toHaveLength(1);
    // Before: 291 KB (the names in the summary and in annotations.added, each twice: alert and common).
    expect(JSON.stringify(alertmanagerPayload(jobs[0]!, 'http://127.0.0.1:1')).length).toBeLessThan(16_000);
  });
});
