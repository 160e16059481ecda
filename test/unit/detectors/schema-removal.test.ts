import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import type { MapField, RouteActivity } from '../../../common/history.js';
import { detectPii } from '../../../detectors/pii-detector.js';
import { detectSchemaDrift } from '../../../detectors/schema-detector.js';
import { parseConfig } from '../../../common/config/index.js';

const config = DEFAULT_DETECTION_CONFIG;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The route has been called for weeks and keeps being called. */
const routes: RouteActivity[] = [{ vendor: 'stripe', route: '/v1/charges', firstSeen: Date.UTC(2026, 10, 1), recentCalls: 1200 }];

function field(over: Partial<MapField>): MapField {
  return { vendor: 'stripe', service: 'checkout', route: '/v1/charges', direction: 'request', field: 'amount', type: 'number', pii: '', firstSeen: Date.UTC(2026, 10, 1), lastSeen: 0, calls: 5000, ...over };
}

/**
 * Replays minute windows over [from, to) with the data map as it stands at each window's end
 * (`fields(t)`), as the live detector does; returns the schema_drift and pii_new findings.
 */
function replay(fields: (t: number) => MapField[], from: number, to: number) {
  const out = [];
  for (let t = from; t < to; t += MIN) {
    const window = { from: t, to: t + MIN };
    out.push(...detectSchemaDrift(fields(t + MIN), routes, window, config), ...detectPii(fields(t + MIN), routes, parseConfig({ vendors: { stripe: { allow_pii: ['ssn'] } } }), window, config));
  }
  return out;
}

describe('schema_drift on a field that goes away', () => {
  const incident = Date.UTC(2026, 11, 1, 10, 0);
  const fixed = incident + HOUR;

  it('does not report a field an incident added (reported when it came) as "no longer sent" when the fix removes it', () => {
    // During the incident every call carries customer.ssn; the fix an hour later drops it again.
    const map = (t: number): MapField[] => [
      field({ lastSeen: t - 1_000 }),
      ...(t > incident ? [field({ field: 'customer.ssn', type: 'string', pii: 'ssn', firstSeen: incident, lastSeen: Math.min(t, fixed) - 1_000, calls: 2400 })] : []),
    ];
    const findings = replay(map, incident, fixed + 3 * HOUR);
    expect(findings.map((f) => `${f.kind} ${f.field ?? ''} ${f.summary}`)).toEqual([expect.stringMatching(/^pii_new customer\.ssn /)]);
  });

  it('still reports a field the route had sent for days when it stops', () => {
    const map = (t: number): MapField[] => [field({ lastSeen: t - 1_000 }), field({ field: 'description', type: 'string', firstSeen: incident - 5 * DAY, lastSeen: Math.min(t, fixed) - 1_000 })];
    const findings = replay(map, fixed, fixed + 3 * HOUR);
    expect(findings.map((f) => [f.kind, f.details?.['removed']])).toEqual([['schema_drift', 'description']]);
  });
});
