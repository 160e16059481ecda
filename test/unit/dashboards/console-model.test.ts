import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain browser JavaScript without type declarations
import { filterInventory, formatAge, formatCount, safeHttpUrl, sortAlerts, summarize } from '../../../dashboards/console/model.js';

// The console's own logic, on the /api/vendors and /api/alerts shapes.
const field = (fieldName: string, pii: string[] = [], direction = 'request') => ({ direction, field: fieldName, types: ['string'], pii, calls: 5, first_seen: '2026-11-23T10:00:00.000Z', last_seen: '2026-11-23T10:05:00.000Z' });
const route = (name: string, fields: ReturnType<typeof field>[]) => ({ route: name, methods: ['POST'], services: ['checkout'], calls: 5, errors: 0, first_seen: '', last_seen: '', fields });
const vendors = [
  { vendor: 'stripe', hosts: ['api.stripe.com'], services: ['checkout'], pii: ['email'], calls: 10, errors: 1, first_seen: '', last_seen: '', routes: [route('/v1/customers', [field('email', ['email']), field('plan')]), route('/v1/charges', [field('amount')])] },
  { vendor: 'twilio', hosts: ['api.twilio.com'], services: ['signup'], pii: [], calls: 2, errors: 0, first_seen: '', last_seen: '', routes: [route('/Messages.json', [field('body')])] },
];

describe('console model', () => {
  it('filters the data map by text over vendor, host, route and field', () => {
    expect(filterInventory(vendors, { text: 'TWILIO' }).map((v: { vendor: string }) => v.vendor)).toEqual(['twilio']);
    const byField = filterInventory(vendors, { text: 'amount' });
    expect(byField.map((v: { vendor: string; routes: Array<{ route: string; fields: Array<{ field: string }> }> }) => [v.vendor, v.routes.map((r) => [r.route, r.fields.map((f) => f.field)])])).toEqual([
      ['stripe', [['/v1/charges', ['amount']]]],
    ]);
    expect(filterInventory(vendors, { text: 'nothing-like-this' })).toEqual([]);
    expect(filterInventory(vendors, {})).toHaveLength(2);
  });

  it('keeps only PII fields, routes and vendors when asked', () => {
    const pii = filterInventory(vendors, { piiOnly: true });
    expect(pii.map((v: { vendor: string; routes: Array<{ route: string; fields: Array<{ field: string }> }> }) => [v.vendor, v.routes.map((r) => [r.route, r.fields.map((f) => f.field)])])).toEqual([
      ['stripe', [['/v1/customers', ['email']]]],
    ]);
  });

  it('summarizes vendors, fields, PII and firing alerts', () => {
    expect(summarize(vendors, [{ status: 'firing' }, { status: 'resolved' }])).toEqual({ vendors: 2, routes: 3, fields: 4, piiFields: 1, piiClasses: ['email'], firing: 1 });
  });

  it('puts critical alerts first, newest first within a severity', () => {
    const sorted = sortAlerts([
      { severity: 'warning', startsAt: '2026-11-23T10:00:00Z', fingerprint: 'w' },
      { severity: 'critical', startsAt: '2026-11-23T09:00:00Z', fingerprint: 'c-old' },
      { severity: 'critical', startsAt: '2026-11-23T10:30:00Z', fingerprint: 'c-new' },
    ]);
    expect(sorted.map((a: { fingerprint: string }) => a.fingerprint)).toEqual(['c-new', 'c-old', 'w']);
  });

  it('formats counts and ages, and links only http(s) runbooks', () => {
    expect([formatCount(999), formatCount(12_345), formatCount(2_500_000)]).toEqual(['999', '12.3k', '2.5M']);
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect([formatAge('2026-11-23T11:59:30Z', now), formatAge('2026-11-23 11:30:00', now), formatAge('2026-11-20T12:00:00Z', now)]).toEqual(['30 s ago', '30 min ago', '3 d ago']);
    expect(safeHttpUrl('https://runbooks.example/pii_new')).toBe('https://runbooks.example/pii_new');
    expect(safeHttpUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeHttpUrl(undefined)).toBeUndefined();
  });
});
