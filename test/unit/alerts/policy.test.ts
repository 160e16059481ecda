import { describe, expect, it } from 'vitest';
import { piiFlowsFromSpansFile } from '../../../cli/spans-file.js';
import { findViolations, policyReport } from '../../../alerts/policy.js';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import { parseConfig } from '../../../common/config/index.js';
import type { MapField } from '../../../common/history.js';
import { detectPii } from '../../../detectors/pii-detector.js';
import { testConfig } from './fixtures.js';

/** An outbound call as the SDK exports it (ids and times may be left out of a hand-written file). */
function span(attrs: Record<string, string | string[]>): unknown {
  return {
    kind: 3,
    attributes: Object.entries({ 'http.request.method': 'POST', ...attrs }).map(([key, v]) => ({
      key,
      value: Array.isArray(v) ? { arrayValue: { values: v.map((s) => ({ stringValue: s })) } } : { stringValue: v },
    })),
  };
}

function traces(service: string, spans: unknown[]): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
}

describe('policy gate', () => {
  const file = traces('checkout', [
    span({ 'egress.vendor': 'stripe', 'server.address': 'api.stripe.com', 'url.template': '/v1/customers', 'egress.request.pii': ['customer.email:email', 'customer.tax_id:ssn'] }),
    span({ 'server.address': 'api.acme-crm.io', 'url.template': '/contacts', 'egress.request.pii': ['phone:phone'] }),
    span({ 'server.address': 'hooks.unknown.dev', 'egress.request.pii': ['card.number:card'], 'egress.response.pii': ['x:email'] }),
    span({ 'server.address': 'api.stripe.com', 'url.template': '/v1/charges', 'egress.request.fields': ['amount:number'] }),
  ]);

  it('reads request PII from OTLP/JSON and names the vendor as the collector does: config hosts, attribute, catalog, registrable domain', () => {
    const { flows, spans, egressCalls } = piiFlowsFromSpansFile(file, testConfig({}, { acme: { hosts: ['*.acme-crm.io'] } }));
    expect([spans, egressCalls]).toEqual([4, 4]);
    expect(flows.map((f) => [f.vendor, f.service, f.route, f.field, f.pii])).toEqual([
      ['stripe', 'checkout', '/v1/customers', 'customer.email', 'email'],
      ['stripe', 'checkout', '/v1/customers', 'customer.tax_id', 'ssn'],
      ['acme', 'checkout', '/contacts', 'phone', 'phone'],
      ['unknown.dev', 'checkout', '/', 'card.number', 'card'],
    ]);
  });

  it('fails on ssn sent to stripe without allowance and passes once the policy allows it', () => {
    const strict = testConfig({}, { stripe: { allow_pii: ['email'] }, acme: { hosts: ['*.acme-crm.io'], allow_pii: ['phone'] }, 'unknown.dev': { allow_pii: ['card'] } });
    const { flows } = piiFlowsFromSpansFile(file, strict);
    const report = policyReport(flows, strict);
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => [v.vendor, v.route, v.field, v.pii])).toEqual([['stripe', '/v1/customers', 'customer.tax_id', 'ssn']]);
    const allowed = testConfig({}, { stripe: { allow_pii: ['email', 'ssn'] }, acme: { hosts: ['*.acme-crm.io'], allow_pii: ['phone'] }, 'unknown.dev': { allow_pii: ['card'] } });
    expect(policyReport(flows, allowed)).toMatchObject({ ok: true, violations: [] });
  });

  it('merges services per (vendor, route, field, class) and treats unknown vendors as allowing nothing', () => {
    const v = findViolations(
      [
        { vendor: 'x', service: 'b', route: '/r', field: 'f', pii: 'email', calls: 2 },
        { vendor: 'x', service: 'a', route: '/r', field: 'f', pii: 'email', calls: 3 },
      ],
      { vendors: {} },
    );
    expect(v).toEqual([{ vendor: 'x', route: '/r', field: 'f', pii: 'email', tier: 'personal', severity: 'warning', services: ['a', 'b'], calls: 5, lastSeen: undefined }]);
  });

  it('passes classes of tier public or internal, and gives each violation the severity the live alert has', () => {
    const flows = [
      { vendor: 'x', service: 'a', route: '/r', field: 'ip', pii: 'ip_address', calls: 1 },
      { vendor: 'x', service: 'a', route: '/r', field: 'order', pii: 'order_ref', calls: 1 },
      { vendor: 'x', service: 'a', route: '/r', field: 'tax_id', pii: 'ssn', calls: 1 },
    ];
    const config = parseConfig({ pii: { custom_classes: ['order_ref'], tiers: { ip_address: 'internal', order_ref: 'public' } } });
    expect(findViolations(flows, config).map((v) => [v.pii, v.tier, v.severity])).toEqual([['ssn', 'special_category', 'critical']]);
    expect(findViolations(flows, { vendors: {} }).map((v) => [v.pii, v.severity])).toEqual([
      ['ip_address', 'warning'],
      ['order_ref', 'warning'],
      ['ssn', 'critical'],
    ]);
  });

  it('fails exactly on what the live detector reports as pii_violation: one rule for CI and live', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0);
    const window = { from: now - 60_000, to: now };
    const config = parseConfig({
      vendors: { stripe: { allow_pii: ['email', 'card'] }, acme: { allow_pii: [] } },
      pii: { custom_classes: ['order_ref'], tiers: { order_ref: 'internal' } },
    });
    const classes = ['email', 'card', 'ssn', 'phone', 'order_ref', 'badge_id'];
    const fields: MapField[] = [];
    for (const vendor of ['stripe', 'acme', 'never-seen.example']) {
      for (const pii of classes) {
        fields.push({ vendor, service: 'checkout', route: '/r', direction: 'request', field: `f_${pii}`, type: 'string', pii, firstSeen: now - 30_000, lastSeen: now - 10_000, calls: 1 });
      }
    }
    const gate = findViolations(
      fields.map((f) => ({ vendor: f.vendor, service: f.service, route: f.route, field: f.field, pii: f.pii, calls: f.calls })),
      config,
    ).map((v) => [v.vendor, v.route, v.field, v.pii, v.severity].join(' '));
    const live = detectPii(fields, [], config, window, DEFAULT_DETECTION_CONFIG)
      .filter((f) => f.kind === 'pii_violation')
      .map((f) => [f.vendor, f.route, f.field, f.details?.['pii'], f.severity].join(' '));
    expect(live.sort()).toEqual(gate.sort());
    // A vendor with no entry allows no personal data; the internal custom class passes everywhere.
    expect(gate.filter((g) => g.startsWith('never-seen.example '))).toEqual([
      'never-seen.example /r f_badge_id badge_id warning',
      'never-seen.example /r f_card card critical',
      'never-seen.example /r f_email email warning',
      'never-seen.example /r f_phone phone warning',
      'never-seen.example /r f_ssn ssn critical',
    ]);
    expect(gate.filter((g) => g.startsWith('stripe '))).toEqual(['stripe /r f_badge_id badge_id warning', 'stripe /r f_phone phone warning', 'stripe /r f_ssn ssn critical']);
  });

  it('says which line of a spans file is not OTLP/JSON', () => {
    expect(() => piiFlowsFromSpansFile('{"resourceSpans":[]}\nnot json', testConfig(), 'spans.jsonl')).toThrow(/spans.jsonl: line 2 is not JSON/);
  });
});
