import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import { detectNewDestinations } from '../../../detectors/destination-detector.js';
import type { Destination, MapField, RouteActivity } from '../../../common/history.js';
import { detectPii } from '../../../detectors/pii-detector.js';
import { detectSchemaDrift } from '../../../detectors/schema-detector.js';

const config = DEFAULT_DETECTION_CONFIG;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 23, 12, 0);
const window = { from: NOW - 60_000, to: NOW };
const LONG_AGO = NOW - 10 * 24 * HOUR;

function field(over: Partial<MapField>): MapField {
  return { vendor: 'stripe', service: 'checkout', route: '/v1/charges', direction: 'request', field: 'amount', type: 'number', pii: '', firstSeen: LONG_AGO, lastSeen: NOW - 30_000, calls: 5000, ...over };
}
const routes: RouteActivity[] = [{ vendor: 'stripe', route: '/v1/charges', firstSeen: LONG_AGO, recentCalls: 1200 }];

describe('schema_drift', () => {
  it('reports an added field and a type change with the diff, once per route', () => {
    const fields = [
      field({}),
      field({ field: 'metadata.note', type: 'string', firstSeen: NOW - 20_000 }),
      field({ field: 'quantity', type: 'number' }),
      field({ field: 'quantity', type: 'string', firstSeen: NOW - 10_000 }),
    ];
    const findings = detectSchemaDrift(fields, routes, window, config);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'schema_drift', vendor: 'stripe', service: 'checkout', route: '/v1/charges', severity: 'warning' });
    expect(findings[0]!.details).toMatchObject({ added: 'metadata.note:string', type_changed: 'quantity:number→string', removed: '' });
  });

  it('reports a field the route stopped sending, once, after the horizon', () => {
    const goneAt = window.from - config.schema_removed_after_minutes * 60_000 + 1_000;
    const findings = detectSchemaDrift([field({}), field({ field: 'description', type: 'string', lastSeen: goneAt })], routes, window, config);
    expect(findings.map((f) => f.details?.['removed'])).toEqual(['description']);
    const later = { from: window.from + 60_000, to: window.to + 60_000 };
    expect(detectSchemaDrift([field({}), field({ field: 'description', type: 'string', lastSeen: goneAt })], routes, later, config)).toEqual([]);
  });

  it('does not call the fields of a route still being learned drift', () => {
    const young: RouteActivity[] = [{ vendor: 'stripe', route: '/v1/charges', firstSeen: NOW - 5 * 60_000, recentCalls: 10 }];
    expect(detectSchemaDrift([field({ field: 'x', type: 'string', firstSeen: NOW - 20_000 })], young, window, config)).toEqual([]);
  });
});

describe('pii_new and pii_violation', () => {
  it('reports a PII class new on a vendor + route, and not the schema drift of its field', () => {
    const fields = [field({}), field({ field: 'customer.ssn', type: 'string', pii: 'ssn', firstSeen: NOW - 20_000 })];
    const pii = detectPii(fields, routes, new Map(), window, config);
    expect(pii).toHaveLength(1);
    expect(pii[0]).toMatchObject({ kind: 'pii_new', vendor: 'stripe', route: '/v1/charges', field: 'customer.ssn', severity: 'critical' });
    expect(pii[0]!.summary).toContain('ssn');
    expect(detectSchemaDrift(fields, routes, window, config)).toEqual([]);
  });

  it('reports classes outside a vendor policy while they flow; vendors without a policy are not judged', () => {
    const fields = [field({ field: 'customer.email', type: 'string', pii: 'email' }), field({ field: 'card.number', type: 'string', pii: 'card' })];
    const findings = detectPii(fields, routes, new Map([['stripe', ['email']]]), window, config);
    expect(findings.map((f) => [f.kind, f.details?.['pii']])).toEqual([['pii_violation', 'card']]);
    expect(findings[0]!.summary).toMatch(/allowed: email/);
    expect(detectPii(fields, routes, new Map(), window, config)).toEqual([]);
    const stale = fields.map((f) => ({ ...f, lastSeen: window.from - HOUR }));
    expect(detectPii(stale, routes, new Map([['stripe', ['email']]]), window, config)).toEqual([]);
  });
});

describe('new_destination', () => {
  const known: Destination[] = [
    { service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', firstSeen: LONG_AGO, lastSeen: NOW - 30_000 },
    { service: 'crm-sync', vendor: 'salesforce', host: 'acme.my.salesforce.com', firstSeen: LONG_AGO, lastSeen: NOW - 30_000 },
  ];

  it('reports a vendor a service never called, and a new host of a known vendor as info', () => {
    const fresh: Destination[] = [
      { service: 'crm-sync', vendor: 'example.net', host: 'uploads.example.net', firstSeen: NOW - 30_000, lastSeen: NOW - 30_000 },
      { service: 'checkout', vendor: 'stripe', host: 'files.stripe.com', firstSeen: NOW - 30_000, lastSeen: NOW - 30_000 },
    ];
    const findings = detectNewDestinations([...known, ...fresh], LONG_AGO, window, config);
    expect(findings.map((f) => [f.vendor, f.service, f.severity])).toEqual([
      ['example.net', 'crm-sync', 'warning'],
      ['stripe', 'checkout', 'info'],
    ]);
    expect(findings[0]!.summary).toContain('uploads.example.net');
  });

  it('stays quiet while the installation is new, and for a new service using known vendors', () => {
    const fresh: Destination = { service: 'crm-sync', vendor: 'example.net', host: 'uploads.example.net', firstSeen: NOW - 30_000, lastSeen: NOW - 30_000 };
    expect(detectNewDestinations([...known, fresh], NOW - 2 * HOUR, window, config)).toEqual([]);
    const newService: Destination = { service: 'billing', vendor: 'stripe', host: 'api.stripe.com', firstSeen: NOW - 30_000, lastSeen: NOW - 30_000 };
    expect(detectNewDestinations([...known, newService], LONG_AGO, window, config)).toEqual([]);
  });
});
