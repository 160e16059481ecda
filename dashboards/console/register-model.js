// Pure helpers of the console's privacy register views (no DOM, no fetch), unit-tested.
// Input shapes: /api/register (common/register/register-model.ts) and /api/pii-kpi.

const LEGAL_BASIS = {
  consent: 'consent',
  contract: 'contract',
  legal_obligation: 'legal obligation',
  vital_interests: 'vital interests',
  public_task: 'public task',
  legitimate_interests: 'legitimate interests',
};

/** A tier as words: `special_category` → `special category`. @param {string} tier */
export const tierText = (tier) => String(tier).replace(/_/g, ' ');

/**
 * A vendor's register entry in one line: legal basis, DPA, owner, region, transfer mechanism,
 * retention — or that it is not in the register.
 * @param {{ registered: boolean, register: Record<string, string | number> | null }} view
 */
export function registerSummary(view) {
  const r = view.register;
  if (!view.registered || !r) return 'not in the register';
  const dpa = r.dpa === 'signed' ? `DPA signed${r.dpa_signed_on ? ` ${r.dpa_signed_on}` : ''}` : r.dpa === 'not_needed' ? 'no DPA needed' : r.dpa === 'missing' ? 'DPA missing' : 'DPA not recorded';
  const parts = [r.legal_basis ? LEGAL_BASIS[r.legal_basis] ?? String(r.legal_basis) : 'no legal basis', dpa];
  if (r.owner) parts.push(`owner ${r.owner}`);
  if (r.region) parts.push(String(r.region));
  if (r.transfer_mechanism) parts.push(`transfer: ${tierText(r.transfer_mechanism)}`);
  if (r.retention_days !== undefined) parts.push(`kept ${r.retention_days} d`);
  return parts.join(' · ');
}

const GAP_TEXT = { not_registered: 'not in the register', no_legal_basis: 'no legal basis', no_dpa: 'no DPA' };

/** What `policy check` fails on for a vendor, in words. @param {string[]} gaps */
export const gapText = (gaps) => gaps.map((g) => GAP_TEXT[g] ?? g).join(', ');

/**
 * Headline numbers of the register: vendors seen, shadow integrations, vendors failing the
 * register rule, the highest integration risk.
 * @param {{ vendors: any[], integrations: any[] } | undefined} register
 */
export function registerTotals(register) {
  if (!register) return undefined;
  const seen = register.vendors.filter((v) => v.observed);
  return {
    vendors: seen.length,
    shadow: seen.filter((v) => v.shadow).length,
    failing: seen.filter((v) => v.gaps.length > 0).length,
    topRisk: Math.max(0, ...register.integrations.map((i) => i.risk)),
  };
}

/**
 * Per vendor of the KPI: the last day's count, the first day's, and the change, with the all-
 * vendor total first; vendors with the most sensitive fields on the last day first.
 * @param {{ days: string[], total: number[], vendors: Array<{ vendor: string, fields: number[] }> } | undefined} kpi
 */
export function kpiRows(kpi) {
  if (!kpi || kpi.days.length === 0) return [];
  const row = (vendor, values) => {
    const last = values[values.length - 1] ?? 0;
    const first = values[0] ?? 0;
    return { vendor, first, last, change: last - first, peak: Math.max(0, ...values) };
  };
  const vendors = kpi.vendors.map((v) => row(v.vendor, v.fields)).sort((a, b) => b.last - a.last || b.peak - a.peak || a.vendor.localeCompare(b.vendor));
  return [row(undefined, kpi.total), ...vendors];
}

/** `+3`, `−2`, `±0`: a change as the trend column shows it. @param {number} n */
export const signed = (n) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0');
