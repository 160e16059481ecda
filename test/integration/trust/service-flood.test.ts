import { describe, expect, it } from 'vitest';
import { useReplayedFlood } from '../../helpers/replayed-flood.js';
import { spanRow } from '../../helpers/span-rows.js';

const SERVICES = 2_000;

/**
 * Service names have no budget: a sender can name any number of services (`service.name` is its
 * own resource attribute). 2,000 of them send SSNs to one never-seen vendor in one minute.
 */
describe('a flood of service names sending PII to one vendor', () => {
  const flood = useReplayedFlood(
    (at) => Array.from({ length: SERVICES }, (_, i) => spanRow({ timestampMs: at + (i % 50) * 1000, service: `svc-${'s'.repeat(100)}-${i}`, vendor: 'sink.example', host: 'api.sink.example', route: '/upload', request_pii: ['customer.ssn:ssn'] })),
    { minutesAgo: 5 },
  );

  it('raises the pii_violation', () => {
    expect(flood.alerts.filter((a) => a.kind === 'pii_violation' && a.status === 'firing')).toHaveLength(1);
  });

  // Unbounded, the details listed every service: 220 KB of alert for these 2,000 names, stored at
  // each state change and sent to every receiver.
  it('keeps the pii_violation alert small, and says how many services there were', () => {
    const alert = flood.alerts.find((a) => a.kind === 'pii_violation')!;
    expect(JSON.stringify(alert).length).toBeLessThan(8_000);
    expect(alert.annotations['service_count']).toBe(String(SERVICES));
    expect(alert.annotations['services']).toContain('… 1950 more');
  });
});
