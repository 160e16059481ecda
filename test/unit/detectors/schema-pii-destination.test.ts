import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import { parseConfig } from '../../../common/config/index.js';
import { detectNewDestinations } from '../../../detectors/destination-detector.js';
import type { Destination, MapField, RouteActivity } from '../../../common/history.js';
import { detectPii, unallowedPiiByDestination } from '../../../detectors/pii-detector.js';
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
  const policy = (vendors: Record<string, unknown> = {}, pii: Record<string, unknown> = {}) => parseConfig({ vendors, pii });

  it('reports a PII class new on a vendor + route, and not the schema drift of its field', () => {
    const fields = [field({}), field({ field: 'customer.ssn', type: 'string', pii: 'ssn', firstSeen: NOW - 20_000 })];
    const pii = detectPii(fields, routes, policy({ stripe: { allow_pii: ['ssn'] } }), window, config);
    expect(pii).toHaveLength(1);
    expect(pii[0]).toMatchObject({ kind: 'pii_new', vendor: 'stripe', route: '/v1/charges', field: 'customer.ssn', severity: 'critical' });
    expect(pii[0]!.summary).toContain('ssn');
    expect(detectSchemaDrift(fields, routes, window, config)).toEqual([]);
  });

  it('reports a new class on a known vendor that its policy does not allow as both what changed and what breaks the policy', () => {
    const fields = [field({}), field({ field: 'customer.ssn', type: 'string', pii: 'ssn', firstSeen: NOW - 20_000 })];
    const pii = detectPii(fields, routes, policy({ stripe: { allow_pii: ['email'] } }), window, config);
    expect(pii.map((f) => [f.kind, f.severity, f.details?.['pii']])).toEqual([
      ['pii_new', 'critical', 'ssn'],
      ['pii_violation', 'critical', 'ssn'],
    ]);
  });

  it('reports classes outside a vendor policy while they flow: critical for special-category classes, warning for personal ones', () => {
    const fields = [field({ field: 'customer.email', type: 'string', pii: 'email' }), field({ field: 'card.number', type: 'string', pii: 'card' }), field({ field: 'customer.phone', type: 'string', pii: 'phone' })];
    const findings = detectPii(fields, routes, policy({ stripe: { allow_pii: ['email'] } }), window, config);
    expect(findings.map((f) => [f.kind, f.details?.['pii'], f.severity])).toEqual([
      ['pii_violation', 'card', 'critical'],
      ['pii_violation', 'phone', 'warning'],
    ]);
    expect(findings[0]!.summary).toMatch(/allowed: email/);
    const stale = fields.map((f) => ({ ...f, lastSeen: window.from - HOUR }));
    expect(detectPii(stale, routes, policy({ stripe: { allow_pii: ['email'] } }), window, config)).toEqual([]);
  });

  it('judges a vendor with no policy entry too: personal data needs an allow_pii, from the first minute of a never-seen vendor', () => {
    const fresh: RouteActivity[] = [{ vendor: 'acme-pay', route: '/v1/payouts', firstSeen: NOW - 40_000, recentCalls: 3 }];
    const fields = [
      field({ vendor: 'acme-pay', route: '/v1/payouts', field: 'payee.ssn', type: 'string', pii: 'ssn', firstSeen: NOW - 40_000 }),
      field({ vendor: 'acme-pay', route: '/v1/payouts', field: 'payee.email', type: 'string', pii: 'email', firstSeen: NOW - 40_000 }),
    ];
    const findings = detectPii(fields, fresh, policy(), window, config);
    // pii_new speaks for vendors already known only: a never-seen vendor's classes are all new.
    expect(findings.map((f) => [f.kind, f.vendor, f.route, f.field, f.severity])).toEqual([
      ['pii_violation', 'acme-pay', '/v1/payouts', 'payee.ssn', 'critical'],
      ['pii_violation', 'acme-pay', '/v1/payouts', 'payee.email', 'warning'],
    ]);
    expect(findings[0]!.summary).toMatch(/acme-pay has no policy/);
    expect(findings[0]!.details).toMatchObject({ pii: 'ssn', tier: 'special_category', policy: 'none' });
  });

  it('does not judge responses, classes lowered to internal, or classes the vendor allows', () => {
    const fields = [
      field({ direction: 'response', field: 'billing.email', type: 'string', pii: 'email' }),
      field({ field: 'client_ip', type: 'string', pii: 'ip_address' }),
      field({ field: 'card.number', type: 'string', pii: 'card' }),
    ];
    expect(detectPii(fields, routes, policy({ stripe: { allow_pii: ['card'] } }, { tiers: { ip_address: 'internal' } }), window, config)).toEqual([]);
  });

  it('follows tier overrides for severity, custom classes included', () => {
    const fields = [field({ field: 'employee.badge', type: 'string', pii: 'badge_id' }), field({ field: 'diagnosis', type: 'string', pii: 'health_condition' })];
    const findings = detectPii(fields, routes, policy({}, { custom_classes: ['health_condition'], tiers: { health_condition: 'special_category' } }), window, config);
    expect(findings.map((f) => [f.details?.['pii'], f.details?.['tier'], f.severity])).toEqual([
      ['badge_id', 'personal', 'warning'],
      ['health_condition', 'special_category', 'critical'],
    ]);
  });

  it('maps each new (service, vendor) to the request classes it may not receive', () => {
    const fields = [
      field({ vendor: 'acme-pay', service: 'payroll', field: 'payee.ssn', pii: 'ssn', firstSeen: NOW - 40_000 }),
      field({ vendor: 'acme-pay', service: 'payroll', field: 'card', pii: 'card', firstSeen: NOW - 40_000 }),
      field({ vendor: 'acme-pay', service: 'payroll', direction: 'response', field: 'x', pii: 'email', firstSeen: NOW - 40_000 }),
      field({ vendor: 'stripe', field: 'card', pii: 'card' }),
    ];
    expect([...unallowedPiiByDestination(fields, policy({ stripe: { allow_pii: ['card'] } }), window)]).toEqual([['payroll\u0000acme-pay', ['card', 'ssn']]]);
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

  it('reports at once, even in the warm-up, a new destination whose calls carry PII the vendor may not receive', () => {
    const installed = NOW - 2 * 60_000;
    const fresh: Destination[] = [
      { service: 'payroll', vendor: 'acme-pay', host: '127.0.0.1', firstSeen: NOW - 60_000, lastSeen: NOW - 60_000 },
      { service: 'payroll', vendor: 'trusted-pay', host: 'api.trusted-pay.example', firstSeen: NOW - 60_000, lastSeen: NOW - 60_000 },
      { service: 'payroll', vendor: 'plain.example', host: 'plain.example', firstSeen: NOW - 60_000, lastSeen: NOW - 60_000 },
    ];
    const unallowed = new Map([['payroll\u0000acme-pay', ['card', 'ssn']]]);
    const findings = detectNewDestinations(fresh, installed, window, config, unallowed);
    expect(findings.map((f) => [f.kind, f.vendor, f.service, f.severity])).toEqual([['new_destination', 'acme-pay', 'payroll', 'warning']]);
    expect(findings[0]!.summary).toMatch(/carry card, ssn.*watched egress for 2 min only/);
    expect(findings[0]!.details).toMatchObject({ pii: 'card,ssn', during_warmup: 'true' });
    // Without PII nothing in the warm-up: at install every destination is new.
    expect(detectNewDestinations(fresh, installed, window, config)).toEqual([]);
  });

  it('stays quiet while the installation is new, and for a new service using known vendors', () => {
    const fresh: Destination = { service: 'crm-sync', vendor: 'example.net', host: 'uploads.example.net', firstSeen: NOW - 30_000, lastSeen: NOW - 30_000 };
    expect(detectNewDestinations([...known, fresh], NOW - 2 * HOUR, window, config)).toEqual([]);
    const newService: Destination = { service: 'billing', vendor: 'stripe', host: 'api.stripe.com', firstSeen: NOW - 30_000, lastSeen: NOW - 30_000 };
    expect(detectNewDestinations([...known, newService], LONG_AGO, window, config)).toEqual([]);
  });
});
