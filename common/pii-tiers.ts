/**
 * Sensitivity tiers of PII classes: one ordered scale that decides what alerts by default, how
 * severe a leak is, and (for the privacy register) what a field, route or vendor holds at most.
 * Pure values, no I/O: detectors, the CI gate, the console and the CLI read the same map.
 */
import { ownEntry } from './config/own-entry.js';
import { isPiiClass, type PiiClass } from './types.js';

/**
 * Lowest to highest. `public` and `internal` are there for custom classes (an order id, a SKU
 * code) and for overrides: a class of those tiers is never a policy violation.
 */
export const SENSITIVITY_TIERS = ['public', 'internal', 'personal', 'special_category'] as const;
export type SensitivityTier = (typeof SENSITIVITY_TIERS)[number];

/**
 * Built-in classes and why each sits where it does.
 *
 * `special_category` here is GDPR Art. 9 data (health, biometrics, religion, … — custom classes
 * declared by the user) *and* the classes whose exposure alone enables fraud or account takeover:
 * card (PCI DSS), iban, ssn (national identifiers, GDPR Art. 87) and credentials (password,
 * api_key, bearer_token, jwt). Those are not "special category" in GDPR's strict legal sense, but
 * every breach-notification regime names them and they need the same handling: never sent to a
 * vendor without an explicit `allow_pii`, critical when they are. Keeping them at `personal`
 * would make a `max_tier: personal` vendor policy let cards and SSNs through and would give them
 * the risk weight of an e-mail address. A register that needs the strict legal meaning overrides
 * them to `personal` (`pii.tiers` in egresswatch.yaml); severity then follows.
 *
 * `personal` is everything else that identifies or locates a person: contact data, names,
 * addresses, date of birth, IP addresses (personal data under GDPR, CJEU C-582/14 Breyer) and
 * geolocation.
 */
export const DEFAULT_PII_TIERS: Readonly<Record<PiiClass, SensitivityTier>> = {
  card: 'special_category',
  iban: 'special_category',
  ssn: 'special_category',
  password: 'special_category',
  api_key: 'special_category',
  bearer_token: 'special_category',
  jwt: 'special_category',
  email: 'personal',
  phone: 'personal',
  person_name: 'personal',
  street_address: 'personal',
  date_of_birth: 'personal',
  ip_address: 'personal',
  geo_location: 'personal',
};

/**
 * A custom class (`pii.customClasses` in the SDK; the collector stores any `[a-z][a-z0-9_]*`)
 * that `pii.tiers` does not place: someone wrote a detector for it, so it is presumed personal
 * until said otherwise — the safe side of a gate.
 */
export const CUSTOM_CLASS_TIER: SensitivityTier = 'personal';

/** The lowest tier that a vendor must be allowed explicitly (`allow_pii`) to receive. */
export const POLICY_TIER: SensitivityTier = 'personal';

/** Tier per class from `pii.tiers` in egresswatch.yaml, over the defaults. */
export type TierOverrides = Readonly<Record<string, SensitivityTier>>;

/** Position on the scale: 0 = public … 3 = special_category. */
export function tierRank(tier: SensitivityTier): number {
  return SENSITIVITY_TIERS.indexOf(tier);
}

/** Whether `tier` is `floor` or above. */
export function tierAtLeast(tier: SensitivityTier, floor: SensitivityTier): boolean {
  return tierRank(tier) >= tierRank(floor);
}

/** The tier of a class: the override, else the built-in default, else CUSTOM_CLASS_TIER. */
export function tierOf(pii: string, overrides: TierOverrides = {}): SensitivityTier {
  return ownEntry(overrides, pii) ?? (isPiiClass(pii) ? DEFAULT_PII_TIERS[pii] : CUSTOM_CLASS_TIER);
}

/** The highest of some tiers (fields → route → vendor), `public` for none. */
export function highestTier(tiers: Iterable<SensitivityTier>): SensitivityTier {
  let best: SensitivityTier = 'public';
  for (const t of tiers) if (tierRank(t) > tierRank(best)) best = t;
  return best;
}
