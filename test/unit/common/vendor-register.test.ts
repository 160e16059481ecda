import { describe, expect, it } from 'vitest';
import { policyReport } from '../../../alerts/policy.js';
import type { PiiFlow } from '../../../storage/alert-policy-store.js';
import { parseConfig } from '../../../common/config/index.js';
import { isAllowed, keepsRegister, registerGaps } from '../../../common/pii-policy.js';

const problems = (raw: unknown): string[] => {
  try {
    parseConfig(raw);
    return [];
  } catch (err) {
    return (err as Error).message.split('\n');
  }
};

describe('vendor register in the config', () => {
  it('accepts the register keys of a vendor and keeps them as written', () => {
    const c = parseConfig({
      vendors: {
        stripe: { allow_pii: ['card'], owner: 'payments-team', purpose: 'card payments', legal_basis: 'contract', dpa: 'signed', dpa_signed_on: '2025-03-31', region: 'EU', transfer_mechanism: 'sccs', retention_days: 30, max_tier: 'personal' },
      },
    });
    expect(c.vendors['stripe']).toMatchObject({ legal_basis: 'contract', dpa: 'signed', dpa_signed_on: '2025-03-31', transfer_mechanism: 'sccs', retention_days: 30, max_tier: 'personal' });
  });

  it('names each mistake on its own line with the nearest valid word', () => {
    const lines = problems({
      vendors: {
        stripe: { legal_basis: 'contrat', dpa: 'sigend', transfer_mechanism: 'scc', max_tier: 'persnal', retention_days: -1 },
        twilio: { dpa: 'signed', dpa_signed_on: '2025-02-30' },
        hubspot: { dpa: 'missing', dpa_signed_on: '2025-01-10', owner: '' },
      },
    });
    expect(lines).toContain("configuration: vendors.stripe.legal_basis: unknown legal basis 'contrat' — did you mean 'contract'? (one of: consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests)");
    expect(lines).toContain("configuration: vendors.stripe.dpa: unknown DPA state 'sigend' — did you mean 'signed'? (one of: signed, missing, not_needed)");
    expect(lines.some((l) => l.startsWith("configuration: vendors.stripe.transfer_mechanism: unknown transfer mechanism 'scc' — did you mean 'sccs'?"))).toBe(true);
    expect(lines.some((l) => l.startsWith("configuration: vendors.stripe.max_tier: unknown tier 'persnal' — did you mean 'personal'?"))).toBe(true);
    expect(lines.some((l) => l.startsWith('configuration: vendors.stripe.retention_days:'))).toBe(true);
    expect(lines).toContain("configuration: vendors.twilio.dpa_signed_on: '2025-02-30' is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31");
    expect(lines).toContain("configuration: vendors.hubspot.dpa_signed_on: a signing date needs 'dpa: signed' (dpa is 'missing')");
    expect(lines).toContain('configuration: vendors.hubspot.owner: must not be empty (leave the key out instead)');
    expect(lines).toHaveLength(8);
  });

  it('refuses a DPA signed in the future and a register key it does not know', () => {
    expect(problems({ vendors: { s: { dpa: 'signed', dpa_signed_on: '2999-01-01' } } })).toEqual(["configuration: vendors.s.dpa_signed_on: 2999-01-01 is in the future; a register records agreements already signed"]);
    expect(problems({ vendors: { s: { legal_bases: 'contract' } } })[0]).toMatch(/vendors\.s: .*legal_bases/);
  });
});

describe('max_tier beside allow_pii: one rule for live alerts and the gate', () => {
  const config = parseConfig({
    vendors: { crm: { max_tier: 'personal', allow_pii: ['card'] }, mailer: { max_tier: 'personal' }, vault: { max_tier: 'special_category' }, strict: { allow_pii: ['email'] } },
    pii: { custom_classes: ['employee_id'] },
  });

  it('lets every class up to max_tier through, and allow_pii add classes above it', () => {
    expect(['email', 'phone', 'person_name', 'employee_id'].every((c) => isAllowed('mailer', c, config))).toBe(true);
    expect(isAllowed('mailer', 'card', config)).toBe(false);
    expect(isAllowed('mailer', 'ssn', config)).toBe(false);
    expect(isAllowed('crm', 'card', config)).toBe(true);
    expect(isAllowed('crm', 'ssn', config)).toBe(false);
    expect(isAllowed('vault', 'ssn', config)).toBe(true);
    expect(isAllowed('strict', 'phone', config)).toBe(false);
  });

  it('fails the gate exactly on what isAllowed refuses', () => {
    const flows: PiiFlow[] = [
      { vendor: 'mailer', service: 'signup', route: '/send', field: 'to', pii: 'email', calls: 3 },
      { vendor: 'mailer', service: 'signup', route: '/send', field: 'card', pii: 'card', calls: 1 },
    ];
    expect(policyReport(flows, config).violations.map((v) => [v.vendor, v.field, v.pii])).toEqual([['mailer', 'card', 'card']]);
  });
});

describe('the register rule of policy check', () => {
  const flows: PiiFlow[] = [
    { vendor: 'stripe', service: 'checkout', route: '/v1/customers', field: 'customer.email', pii: 'email', calls: 5 },
    { vendor: 'twilio', service: 'signup', route: '/Messages.json', field: 'to', pii: 'phone', calls: 2 },
    { vendor: 'acme', service: 'checkout', route: '/contacts', field: 'contact.email', pii: 'email', calls: 1 },
    { vendor: 'acme', service: 'billing', route: '/contacts', field: 'contact.email', pii: 'email', calls: 4 },
  ];
  const policy = {
    stripe: { allow_pii: ['email'], legal_basis: 'contract', dpa: 'signed', dpa_signed_on: '2025-01-15' },
    twilio: { allow_pii: ['phone'], legal_basis: 'legitimate_interests', dpa: 'missing' },
  };

  it('applies only once the config keeps a register, so an upgrade does not fail a gate that passed', () => {
    const noRegister = parseConfig({ vendors: { stripe: { allow_pii: ['email'] }, twilio: { allow_pii: ['phone'] }, acme: { allow_pii: ['email'] } } });
    expect(keepsRegister(noRegister)).toBe(false);
    const report = policyReport(flows, noRegister);
    expect(report).toMatchObject({ ok: true, registerGaps: [], registerChecked: false });
  });

  it('fails on the unregistered vendor and on the one without a DPA, naming vendor, route, field and class', () => {
    const config = parseConfig({ vendors: { ...policy, acme: { allow_pii: ['email'] } } });
    const report = policyReport(flows, config);
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual([]);
    expect(report.registerGaps.map((g) => [g.vendor, g.route, g.field, g.pii, g.gaps, g.services, g.calls])).toEqual([
      ['acme', '/contacts', 'contact.email', 'email', ['not_registered'], ['billing', 'checkout'], 5],
      ['twilio', '/Messages.json', 'to', 'phone', ['no_dpa'], ['signup'], 2],
    ]);
    expect(report.registerGaps[1]!.reason).toBe('no DPA (vendors.twilio.dpa: signed or not_needed)');
  });

  it('passes when the register is complete; not_needed counts as a DPA; classes below personal need none', () => {
    const config = parseConfig({
      vendors: { ...policy, twilio: { ...policy.twilio, dpa: 'not_needed' }, acme: { allow_pii: ['email'], legal_basis: 'consent', dpa: 'signed' } },
    });
    expect(policyReport(flows, config)).toMatchObject({ ok: true, registerGaps: [], registerChecked: true });
    const internal = parseConfig({ vendors: policy, pii: { custom_classes: ['order_ref'], tiers: { order_ref: 'internal' } } });
    expect(registerGaps('nobody', 'order_ref', internal)).toEqual([]);
    expect(registerGaps('nobody', 'email', internal)).toEqual(['not_registered']);
    expect(registerGaps('__proto__', 'email', internal)).toEqual(['not_registered']);
    expect(registerGaps('twilio', 'ssn', internal)).toEqual(['no_dpa']);
    expect(registerGaps('stripe', 'ssn', parseConfig({ vendors: { stripe: { owner: 'x' } } }))).toEqual(['no_legal_basis', 'no_dpa']);
  });
});
