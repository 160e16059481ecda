import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../common/config/index.js';
import { buildRegister } from '../../../../common/register/register-model.js';
import { riskBand, riskScore } from '../../../../common/register/risk-score.js';
import { FLOWS, REGISTER } from './flows-fixture.js';

describe('risk score', () => {
  const complete = { owner: 'o', purpose: 'p', legal_basis: 'contract', dpa: 'signed', region: 'EU', transfer_mechanism: 'not_needed', retention_days: 30 } as const;

  it('follows the documented formula: sensitivity × (0.4 + 0.2 volume + 0.2 location + 0.2 register gap)', () => {
    // Cards, 999 calls (volume 0.5), nobody registered: 100 × 1 × (0.4 + 0.1 + 0.2 + 0.2).
    expect(riskScore('special_category', 999, undefined)).toEqual({ score: 90, band: 'critical', factors: { sensitivity: 1, volume: 0.5, location: 1, register_gap: 1 } });
    // The same, fully registered in-region: only sensitivity and volume remain.
    expect(riskScore('special_category', 999, complete).score).toBe(50);
    // E-mail addresses to a complete EU entry.
    expect(riskScore('personal', 999, complete).score).toBe(30);
    // SCCs weigh 0.4, a known region without a mechanism 0.8.
    expect(riskScore('personal', 0, { ...complete, transfer_mechanism: 'sccs' }).score).toBe(Math.round(60 * (0.4 + 0.2 * 0.4)));
    expect(riskScore('personal', 0, { legal_basis: 'contract', region: 'US' }).factors).toMatchObject({ location: 0.8, register_gap: 0.714 });
  });

  it('is 0 without personal data, saturates at a million calls, stays within 0–100', () => {
    expect(riskScore('public', 5_000_000, undefined).score).toBe(0);
    expect(riskScore('internal', 5_000_000, undefined).score).toBe(10);
    expect(riskScore('special_category', 1e12, undefined)).toMatchObject({ score: 100, factors: { volume: 1 } });
    expect(riskScore('special_category', 0, complete).score).toBe(40);
    expect([0, 1, 24, 25, 49, 50, 74, 75, 100].map(riskBand)).toEqual(['none', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
  });
});

describe('register model', () => {
  const config = parseConfig({ vendors: { ...REGISTER, 'legacy-sms': { legal_basis: 'consent', dpa: 'signed' } } });
  const model = buildRegister(FLOWS, config);

  it('rates each integration by what it sends, riskiest first', () => {
    expect(model.integrations.map((i) => [i.service, i.vendor, i.pii.join(','), i.tier, i.calls, i.risk])).toEqual([
      ['checkout', 'stripe', 'card,email', 'special_category', 12_040, riskScore('special_category', 12_040, config.vendors['stripe']).score],
      ['signup', 'acme-crm', 'email,person_name', 'personal', 300, riskScore('personal', 300, undefined).score],
      ['billing', 'acme-crm', 'email', 'personal', 5, riskScore('personal', 5, undefined).score],
      ['signup', 'twilio', 'phone', 'personal', 900, riskScore('personal', 900, config.vendors['twilio']).score],
      ['reports', 'openai', '', 'public', 20, 0],
    ]);
  });

  it('shows the register next to what was seen: shadow vendors, gaps, missing entries, registered vendors without traffic', () => {
    const byName = Object.fromEntries(model.vendors.map((v) => [v.vendor, v]));
    expect(model.vendors.map((v) => v.vendor)).toEqual(['stripe', 'acme-crm', 'twilio', 'legacy-sms', 'openai']);
    expect(byName['acme-crm']).toMatchObject({ observed: true, registered: false, shadow: true, register: null, gaps: ['not_registered'], tier: 'personal', services: ['billing', 'signup'] });
    expect(byName['twilio']).toMatchObject({ shadow: false, gaps: ['no_dpa'], missing: ['purpose', 'dpa', 'retention_days'], register: { owner: 'growth', legal_basis: 'legitimate_interests', dpa: 'missing', region: 'US', transfer_mechanism: 'sccs' } });
    expect(byName['stripe']).toMatchObject({ gaps: [], missing: [], register: { dpa_signed_on: '2025-01-15', retention_days: 2555 } });
    // No personal data, so nothing to fail on, but still a shadow integration.
    expect(byName['openai']).toMatchObject({ shadow: true, gaps: [], tier: 'public', risk: 0 });
    expect(byName['legacy-sms']).toMatchObject({ observed: false, registered: true, shadow: false, calls: 0 });
    expect(model.services.find((s) => s.service === 'checkout')).toMatchObject({ tier: 'special_category', vendors: ['stripe'] });
    expect(model.class_tiers).toEqual({ card: 'special_category', email: 'personal', person_name: 'personal', phone: 'personal' });
  });

  it('follows pii.tiers overrides in tiers and risk', () => {
    const relaxed = buildRegister(FLOWS, parseConfig({ vendors: REGISTER, pii: { tiers: { card: 'personal', phone: 'internal' } } }));
    expect(relaxed.integrations.find((i) => i.vendor === 'stripe')?.tier).toBe('personal');
    expect(relaxed.integrations.find((i) => i.vendor === 'twilio')).toMatchObject({ tier: 'internal' });
    expect(relaxed.vendors.find((v) => v.vendor === 'twilio')?.gaps).toEqual([]);
  });
});
