/**
 * The one rule that decides whether a vendor may receive a PII class. The CI gate
 * (`policy check`, alerts/policy.ts) and live alerting (pii_violation, new_destination in
 * detectors/) both ask `isAllowed`, so a flow fails the gate exactly when it alerts live. The
 * register rule (`registerGaps`: legal basis and DPA) is the gate's and the console's only: a
 * missing signature is paperwork to fix before a release, not a page at night.
 */
import type { Config } from './config/index.js';
import { ownEntry } from './config/own-entry.js';
import { POLICY_TIER, tierAtLeast, tierOf, type SensitivityTier } from './pii-tiers.js';
import type { Severity } from './types.js';

/** The parts of the configuration the rule reads; without `pii` the default tiers apply. */
export type PiiPolicyConfig = Pick<Config, 'vendors'> & { pii?: Pick<Config['pii'], 'tiers'> | undefined };

/**
 * Default-deny for personal data: a class of tier `personal` or `special_category` may go to a
 * vendor only if `vendors.<vendor>.allow_pii` lists it, or the vendor's `max_tier` is that
 * class's tier or higher — a vendor with no entry in the config allows none. The two combine as
 * a union: `max_tier: personal` plus `allow_pii: [card]` lets every personal class and cards
 * through, and no other special-category class. Classes of tier `public` or `internal` are
 * always allowed (nothing to protect from a third party), so they neither alert nor fail the gate.
 */
export function isAllowed(vendor: string, pii: string, config: PiiPolicyConfig): boolean {
  const tier = tierOf(pii, config.pii?.tiers);
  if (!tierAtLeast(tier, POLICY_TIER)) return true;
  const entry = ownEntry(config.vendors, vendor);
  if (!entry) return false;
  if (entry.allow_pii.includes(pii)) return true;
  return entry.max_tier !== undefined && tierAtLeast(entry.max_tier, tier);
}

/**
 * What the privacy register lacks for `vendor` to receive `pii` (the `policy check` rule beside
 * `isAllowed`): `not_registered` when the vendor's entry is missing or holds no register key,
 * else `no_legal_basis` and/or `no_dpa` (a DPA counts when `signed` or `not_needed`). Empty
 * for classes below `personal`, and for every class while the configuration keeps no register
 * at all (no vendor has a register key): upgrading egresswatch does not fail a CI gate that
 * passed before; the first register entry makes the gate hold every vendor to it.
 */
export function registerGaps(vendor: string, pii: string, config: PiiPolicyConfig): RegisterGap[] {
  if (!tierAtLeast(tierOf(pii, config.pii?.tiers), POLICY_TIER) || !keepsRegister(config)) return [];
  const entry = ownEntry(config.vendors, vendor);
  if (!entry || !hasRegisterEntry(entry)) return ['not_registered'];
  const gaps: RegisterGap[] = [];
  if (entry.legal_basis === undefined) gaps.push('no_legal_basis');
  if (entry.dpa !== 'signed' && entry.dpa !== 'not_needed') gaps.push('no_dpa');
  return gaps;
}

/** Why a flow fails the register rule; `registerGapText` says it in words. */
export type RegisterGap = 'not_registered' | 'no_legal_basis' | 'no_dpa';

/** One phrase per gap, naming the key that closes it. */
export function registerGapText(vendor: string, gap: RegisterGap): string {
  switch (gap) {
    case 'not_registered':
      return `${vendor} is not in the register (add vendors.${vendor} with legal_basis and dpa)`;
    case 'no_legal_basis':
      return `no legal basis (vendors.${vendor}.legal_basis)`;
    case 'no_dpa':
      return `no DPA (vendors.${vendor}.dpa: signed or not_needed)`;
  }
}

/** The register keys that make a vendor entry part of the register (`max_tier` and hosts do not). */
const REGISTER_ENTRY_KEYS = ['owner', 'purpose', 'legal_basis', 'dpa', 'region', 'transfer_mechanism', 'retention_days'] as const;

type VendorEntry = Config['vendors'][string];

function hasRegisterEntry(entry: VendorEntry): boolean {
  return REGISTER_ENTRY_KEYS.some((k) => entry[k] !== undefined);
}

/** Whether `vendor` is in the register: its entry sets at least one register key. */
export function isRegistered(vendor: string, config: Pick<Config, 'vendors'>): boolean {
  const entry = ownEntry(config.vendors, vendor);
  return entry !== undefined && hasRegisterEntry(entry);
}

/** Whether the configuration keeps a register at all: some vendor entry sets a register key. */
export function keepsRegister(config: Pick<Config, 'vendors'>): boolean {
  return Object.values(config.vendors).some(hasRegisterEntry);
}

/** The tier of `pii` under this configuration. */
export function classTier(pii: string, config: PiiPolicyConfig): SensitivityTier {
  return tierOf(pii, config.pii?.tiers);
}

/**
 * How bad it is when `pii` goes where it should not: critical for `special_category` (cards,
 * account numbers, national ids, credentials by default — what fraud and account takeover need),
 * warning for the rest.
 */
export function leakSeverity(pii: string, config: PiiPolicyConfig): Extract<Severity, 'critical' | 'warning'> {
  return classTier(pii, config) === 'special_category' ? 'critical' : 'warning';
}

/** The classes `vendor` may receive, as configured (for messages). */
export function allowedClasses(vendor: string, config: PiiPolicyConfig): readonly string[] {
  return ownEntry(config.vendors, vendor)?.allow_pii ?? [];
}

/** Whether `vendor` has an entry under `vendors:` at all. */
export function hasPolicy(vendor: string, config: PiiPolicyConfig): boolean {
  return ownEntry(config.vendors, vendor) !== undefined;
}
