import { describe, expect, it } from 'vitest';
import {
  alertMarkers,
  filterAlerts,
  filterInventory,
  filterSilences,
  formatAge,
  formatBytes,
  formatCount,
  formatState,
  indexViolations,
  matcherText,
  parseState,
  piiStatus,
  resolveRange,
  safeHttpUrl,
  silencing,
  sortAlerts,
  splitMatchers,
  summarize,
  withGrafanaRange,
  // @ts-expect-error: plain browser JavaScript without type declarations
} from '../../../dashboards/console/model.js';

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

  it('resolves presets to the last hour, day or week ending now, keeps a custom range, and falls back on a broken one', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(resolveRange({ preset: '1h' }, now)).toEqual({ fromMs: now - 3_600_000, toMs: now });
    expect(resolveRange({ preset: '7d' }, now)).toEqual({ fromMs: now - 7 * 86_400_000, toMs: now });
    expect(resolveRange({ preset: 'custom', fromMs: 1000, toMs: 2000 }, now)).toEqual({ fromMs: 1000, toMs: 2000 });
    expect(resolveRange({ preset: 'custom', fromMs: 2000, toMs: 1000 }, now)).toEqual({ fromMs: now - 86_400_000, toMs: now });
  });

  it('keeps range, vendor, filter and PII toggle in the address fragment, hostile vendor names included', () => {
    const state = { range: { preset: 'custom', fromMs: Date.parse('2026-11-23T10:00:00Z'), toMs: Date.parse('2026-11-23T11:20:00Z') }, vendor: 'a&b=#c\u202Ed', q: 'pay ments', piiOnly: true };
    const hash = formatState(state);
    expect(hash).toMatch(/^#range=custom&from=2026-11-23T10%3A00%3A00.000Z&to=/);
    expect(parseState(hash)).toEqual(state);
    expect(parseState('')).toEqual({ range: { preset: '24h' }, vendor: undefined, q: '', piiOnly: false });
    expect(parseState('#range=forever&vendor=')).toEqual({ range: { preset: '24h' }, vendor: '', q: '', piiOnly: false });
    expect(parseState('#range=custom&from=yesterday').range).toEqual({ preset: '24h' });
  });

  it('filters alerts and silences with the same text as the inventory', () => {
    const alerts = [
      { vendor: 'stripe', service: 'checkout', kind: 'volume_spike', summary: 'calls up' },
      { vendor: 'hubspot', service: 'crm-sync', route: '/crm/v3/objects/contacts', kind: 'pii_violation', summary: 'ssn' },
    ];
    expect(filterAlerts(alerts, 'STRIPE').map((a: { vendor: string }) => a.vendor)).toEqual(['stripe']);
    expect(filterAlerts(alerts, 'contacts').map((a: { vendor: string }) => a.vendor)).toEqual(['hubspot']);
    expect(filterAlerts(alerts, ' ')).toHaveLength(2);
    const silences = [{ matchers: ['vendor=stripe'], comment: 'INC-1', createdBy: 'me' }, { matchers: ['kind=~pii_.*'], comment: 'audit', createdBy: 'me' }];
    expect(filterSilences(silences, 'stripe').map((s: { comment: string }) => s.comment)).toEqual(['INC-1']);
  });

  it('splits typed matchers on spaces and commas but not inside quotes, and quotes values that need it', () => {
    expect(splitMatchers('vendor=stripe, kind=~volume_.*  service="web api"')).toEqual(['vendor=stripe', 'kind=~volume_.*', 'service="web api"']);
    expect([matcherText('vendor', 'stripe'), matcherText('service', 'web api'), matcherText('route', '')]).toEqual(['vendor=stripe', 'service="web api"', 'route=""']);
    expect(splitMatchers([matcherText('vendor', 'a b'), matcherText('kind', 'x')].join(' '))).toEqual(['vendor="a b"', 'kind=x']);
  });

  it('marks an alert silenced by the ids the API gives, else by active silences whose matchers all hold', () => {
    const alert = { labels: { vendor: 'stripe', kind: 'volume_spike', service: 'checkout' } };
    const silences = [
      { id: 's1', state: 'active', matchers: ['vendor=stripe', 'kind=~volume_.*'] },
      { id: 's2', state: 'active', matchers: ['vendor=stripe', 'kind=bytes_spike'] },
      { id: 's3', state: 'expired', matchers: ['vendor=stripe'] },
      { id: 's4', state: 'active', matchers: ['service!="checkout"'] },
    ];
    expect(silencing(alert, silences).map((s: { id: string }) => s.id)).toEqual(['s1']);
    expect(silencing({ ...alert, silencedBy: ['s2', 'gone'] }, silences).map((s: { id: string }) => s.id)).toEqual(['s2', 'gone']);
  });

  it("marks a PII class violating where the policy gate lists it, allowed where it does not, responses apart", () => {
    const index = indexViolations({ violations: [{ vendor: 'hubspot', route: '/contacts', field: 'ssn', pii: 'ssn' }] });
    expect(piiStatus(index, { vendor: 'hubspot', pii: 'ssn' })).toBe('violating');
    expect(piiStatus(index, { vendor: 'hubspot', pii: 'email' })).toBe('allowed');
    expect(piiStatus(index, { vendor: 'hubspot', route: '/contacts', field: 'ssn', pii: 'ssn', direction: 'request' })).toBe('violating');
    expect(piiStatus(index, { vendor: 'hubspot', route: '/contacts', field: 'other_ssn', pii: 'ssn', direction: 'request' })).toBe('allowed');
    expect(piiStatus(index, { vendor: 'hubspot', route: '/contacts', field: 'ssn', pii: 'ssn', direction: 'response' })).toBe('received');
    expect(piiStatus(indexViolations(undefined), { vendor: 'hubspot', pii: 'ssn' })).toBe('unknown');
  });

  it('places alert markers within the range: start and end clipped, alerts outside left out', () => {
    const from = Date.parse('2026-11-23T10:00:00Z');
    const to = Date.parse('2026-11-23T12:00:00Z');
    const markers = alertMarkers(
      [
        { fingerprint: 'a', kind: 'k', severity: 'critical', startsAt: '2026-11-23T09:00:00Z' },
        { fingerprint: 'b', kind: 'k', severity: 'warning', startsAt: '2026-11-23T10:30:00Z', endsAt: '2026-11-23T11:00:00Z' },
        { fingerprint: 'c', kind: 'k', severity: 'info', startsAt: '2026-11-23T08:00:00Z', endsAt: '2026-11-23T09:00:00Z' },
        { fingerprint: 'd', kind: 'k', severity: 'info', startsAt: '2026-11-23T13:00:00Z' },
      ],
      from,
      to,
    );
    expect(markers.map((m: { fingerprint: string; startS: number; endS?: number; startsInRange: boolean }) => [m.fingerprint, m.startS, m.endS, m.startsInRange])).toEqual([
      ['a', from / 1000, undefined, false],
      ['b', Date.parse('2026-11-23T10:30:00Z') / 1000, Date.parse('2026-11-23T11:00:00Z') / 1000, true],
    ]);
  });

  it('opens Grafana on the console range unless the template sets one, and formats bytes', () => {
    expect(withGrafanaRange('https://g.example/d/v?var-vendor=stripe', 1000, 2000)).toBe('https://g.example/d/v?var-vendor=stripe&from=1000&to=2000');
    expect(withGrafanaRange('https://g.example/d/v?from=now-6h', 1000, 2000)).toBe('https://g.example/d/v?from=now-6h&to=2000');
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 * 1024)]).toEqual(['512 B', '1.5 KiB', '5.0 MiB']);
  });
});
