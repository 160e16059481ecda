/**
 * The one rule that decides whether a vendor may receive a PII class. The CI gate
 * (`policy check`, alerts/policy.ts) and live alerting (pii_violation, new_destination in
 * detectors/) both ask `isAllowed`, so a flow fails the gate exactly when it alerts live.
 */
import type { Config } from './config/index.js';
import { ownEntry } from './config/own-entry.js';
import { POLICY_TIER, tierAtLeast, tierOf, type SensitivityTier } from './pii-tiers.js';
import type { Severity } from './types.js';

/** The parts of the configuration the rule reads; without `pii` the default tiers apply. */
export type PiiPolicyConfig = Pick<Config, 'vendors'> & { pii?: Pick<Config['pii'], 'tiers'> | undefined };

/**
 * Default-deny for personal data: a class of tier `personal` or `special_category` may go to a
 * vendor only if `vendors.<vendor>.allow_pii` lists it — a vendor with no entry in the config
 * allows none. Classes of tier `public` or `internal` are always allowed (nothing to protect
 * from a third party), so they neither alert nor fail the gate.
 */
export function isAllowed(vendor: string, pii: string, config: PiiPolicyConfig): boolean {
  if (!tierAtLeast(tierOf(pii, config.pii?.tiers), POLICY_TIER)) return true;
  const allowed: readonly string[] = ownEntry(config.vendors, vendor)?.allow_pii ?? [];
  return allowed.includes(pii);
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
