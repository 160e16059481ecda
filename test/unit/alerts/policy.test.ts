import { describe, expect, it } from 'vitest';
import { piiFlowsFromOtlpJson } from '../../../alerts/otlp-spans-file.js';
import { findViolations, policyReport } from '../../../alerts/policy.js';
import { testConfig } from './fixtures.js';

function span(attrs: Record<string, string | string[]>): unknown {
  return {
    attributes: Object.entries(attrs).map(([key, v]) => ({
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
    const vendors = testConfig({}, { acme: { hosts: ['*.acme-crm.io'] } }).vendors;
    const flows = piiFlowsFromOtlpJson(file, vendors);
    expect(flows.map((f) => [f.vendor, f.service, f.route, f.field, f.pii])).toEqual([
      ['stripe', 'checkout', '/v1/customers', 'customer.email', 'email'],
      ['stripe', 'checkout', '/v1/customers', 'customer.tax_id', 'ssn'],
      ['acme', 'checkout', '/contacts', 'phone', 'phone'],
      ['unknown.dev', 'checkout', '', 'card.number', 'card'],
    ]);
  });

  it('fails on ssn sent to stripe without allowance and passes once the policy allows it', () => {
    const strict = testConfig({}, { stripe: { allow_pii: ['email'] }, acme: { hosts: ['*.acme-crm.io'], allow_pii: ['phone'] }, 'unknown.dev': { allow_pii: ['card'] } });
    const flows = piiFlowsFromOtlpJson(file, strict.vendors);
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
      {},
    );
    expect(v).toEqual([{ vendor: 'x', route: '/r', field: 'f', pii: 'email', services: ['a', 'b'], calls: 5, lastSeen: undefined }]);
  });

  it('says which line of a spans file is not OTLP/JSON', () => {
    expect(() => piiFlowsFromOtlpJson('{"resourceSpans":[]}\nnot json', {}, 'spans.jsonl')).toThrow(/spans.jsonl: line 2 is not JSON/);
  });
});
