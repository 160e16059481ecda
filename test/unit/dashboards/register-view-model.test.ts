import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../common/config/index.js';
import { buildRegister } from '../../../common/register/register-model.js';
// @ts-expect-error: plain browser JavaScript without type declarations
import { gapText, kpiRows, registerSummary, registerTotals, signed } from '../../../dashboards/console/register-model.js';
import { FLOWS, REGISTER } from '../common/register/flows-fixture.js';

// The console's register helpers on the /api/register shape, built by the same code the API uses.
const register = buildRegister(FLOWS, parseConfig({ vendors: REGISTER }));
const view = (name: string) => register.vendors.find((v) => v.vendor === name);

describe('console register helpers', () => {
  it('says each register entry in one line, and when there is none', () => {
    expect(registerSummary(view('stripe'))).toBe('contract · DPA signed 2025-01-15 · owner payments-team · EU · transfer: not needed · kept 2555 d');
    expect(registerSummary(view('twilio'))).toBe('legitimate interests · DPA missing · owner growth · US · transfer: sccs');
    expect(registerSummary(view('acme-crm'))).toBe('not in the register');
    expect(gapText(view('acme-crm')!.gaps)).toBe('not in the register');
    expect(gapText(['no_legal_basis', 'no_dpa'])).toBe('no legal basis, no DPA');
  });

  it('counts the headline numbers: vendors seen, shadow integrations, failing vendors, top risk', () => {
    expect(registerTotals(register)).toEqual({ vendors: 4, shadow: 2, failing: 2, topRisk: Math.max(...register.integrations.map((i) => i.risk)) });
    expect(registerTotals(undefined)).toBeUndefined();
  });

  it('turns the KPI into a trend per vendor, the total first, most sensitive fields on the last day next', () => {
    const kpi = { days: ['2026-11-21', '2026-11-22', '2026-11-23'], total: [5, 4, 3], vendors: [{ vendor: 'twilio', fields: [1, 1, 1] }, { vendor: 'stripe', fields: [4, 3, 2] }] };
    expect(kpiRows(kpi)).toEqual([
      { vendor: undefined, first: 5, last: 3, change: -2, peak: 5 },
      { vendor: 'stripe', first: 4, last: 2, change: -2, peak: 4 },
      { vendor: 'twilio', first: 1, last: 1, change: 0, peak: 1 },
    ]);
    expect(kpiRows({ days: [], total: [], vendors: [] })).toEqual([]);
    expect([3, -2, 0].map(signed)).toEqual(['+3', '−2', '±0']);
  });
});
