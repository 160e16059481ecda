import { getCountryCallingCode, isSupportedCountry, Metadata, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

/**
 * Phone numbers, with libphonenumber-js's full metadata (`max`): `isValid()` there checks the
 * number against the region's assigned ranges, where the default `min` metadata only checks
 * lengths and leading digits (`13812345678` is valid in 5 of the 10 default regions with `min`,
 * only in CN with `max`). Loading it costs ~150 kB of metadata once per process.
 *
 * An international number (`+…`, or `00…`, the IDD most of the world dials) needs only to be
 * valid. A national number must also be written as the region writes it, because nearly every
 * digit string is a valid number somewhere once its prefix is dropped: epoch seconds
 * `1733299200` are a valid national number in GB, DE, IN and BR, a date `2024-12-04` in DE and
 * IL, a ZIP+4 `94105-1234` in DE, FR and JP. So a national number counts when
 * - it carries the trunk prefix its national format carries (`020 7946 0958`, `09-7625400`,
 *   `03-1234-5678`, `010-12345678`), or
 * - it is a NANP number (US, CA…), with or without the leading 1, or
 * - its national format has no trunk prefix either (`(11) 91234-5678` in BR, `138 1234 5678`
 *   in CN), or
 * - it is an Indian mobile (`98765 43210`): India writes mobiles without the trunk 0 that
 *   libphonenumber's national format gives them.
 * A national number must also be grouped as people write one (spaces, dashes, dots, parentheses,
 * a slash). Bare digit strings without `+` are left to the field name (phone, mobile, tel,
 * msisdn…), as nine bare digits are for an SSN: ids are bare digits too, and too many of them
 * are valid numbers as written (of random 10-digit ids 40% are valid NANP numbers, of 11-digit
 * ones 14% NANP or CN/BR mobiles; a 0-prefixed 10-digit string is valid in some default region
 * every time), and parsing every distinct id in 10 regions cost 4.9x the old single-region parse.
 * A grouped digit string that is no number of any region costs up to one parse per region
 * (~0.55 ms for 10 here, against ~0.15 ms for the old single US parse); verdicts are memoised.
 */

/** Regions tried for national numbers unless configured: a spread of large markets, not only NANP. */
export const DEFAULT_PHONE_REGIONS: ReadonlyArray<string> = ['US', 'GB', 'DE', 'FR', 'IN', 'JP', 'CN', 'IL', 'BR', 'AU'];

/** Regions libphonenumber-js knows of `regions`, upper-cased; the unknown ones are returned in `unknown`. */
export function checkPhoneRegions(regions: ReadonlyArray<string>): { known: string[]; unknown: string[] } {
  const known: string[] = [];
  const unknown: string[] = [];
  for (const region of regions) {
    const code = region.trim().toUpperCase();
    if (isSupportedCountry(code)) {
      if (!known.includes(code)) known.push(code);
    } else unknown.push(region);
  }
  return { known, unknown };
}

// The legacy single-region option as a region list that stays the same object per region, so
// that its detector (and memo) is found again.
const singleRegions = new Map<string, ReadonlyArray<string>>();

/** `phoneRegions`, else the deprecated `defaultPhoneCountry` alone, else the default regions. */
export function phoneRegionsOf(phoneRegions: ReadonlyArray<string> | undefined, defaultPhoneCountry: string | undefined): ReadonlyArray<string> {
  if (phoneRegions) return phoneRegions;
  if (defaultPhoneCountry === undefined) return DEFAULT_PHONE_REGIONS;
  let regions = singleRegions.get(defaultPhoneCountry);
  if (!regions) {
    regions = [defaultPhoneCountry.toUpperCase()];
    if (singleRegions.size < 64) singleRegions.set(defaultPhoneCountry, regions);
  }
  return regions;
}

const PHONE_CHARS = /^\+?[\d ().\-/]{7,22}$/;
// Calendar dates are digit groups too (`2024-12-04`, `04.12.2024`, `12/04/2024`).
const DATE = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/;
const FORMATTED = /[ ().\-/]/;
// At most one parenthesised group (an area code), and at most one slash (`030/12345678`).
const BALANCED = /^[^()/]*(?:\([^()/]*\)[^()/]*|\/[^()/]*)?$/;
// Regions whose mobiles are written without the trunk prefix their national format carries.
const MOBILE_WITHOUT_TRUNK: ReadonlySet<string> = new Set(['IN']);

// A parse with full metadata costs 50–200 µs on this machine (2026-12-04, shared 2 cores) and the
// same numbers recur call after call (the same customers, the sender's own number), so verdicts
// are memoised per region list. The memo lives and dies in this process like the values
// themselves; it is small and cleared when full.
const MEMO_MAX = 512;

/** What a region's plan allows, to skip parses that cannot succeed (a parse is the whole cost). */
interface RegionPlan {
  region: CountryCode;
  nanp: boolean;
  /** National (trunk) prefix, `0` in most regions; undefined when the metadata does not say. */
  trunk: string | undefined;
  /** Lengths of national significant numbers. */
  lengths: ReadonlySet<number>;
}

function regionPlan(region: CountryCode): RegionPlan {
  const metadata = new Metadata();
  metadata.selectNumberingPlan(region);
  // nationalPrefix() is in the numbering plan at run time but not in the published types.
  const plan = metadata.numberingPlan as { possibleLengths(): number[]; nationalPrefix?: () => string | undefined } | undefined;
  const trunk = typeof plan?.nationalPrefix === 'function' ? (plan.nationalPrefix() ?? '') : undefined;
  return { region, nanp: getCountryCallingCode(region) === '1', trunk, lengths: new Set(plan?.possibleLengths() ?? []) };
}

/** Whether a national number of `digits` could be valid in the plan's region, as written. */
function mayFit(plan: RegionPlan, digits: string): boolean {
  if (plan.nanp) return digits.length === 10 || (digits.length === 11 && digits.charCodeAt(0) === 49);
  if (plan.trunk === undefined || plan.lengths.size === 0) return true;
  return plan.lengths.has(digits.length) || (plan.trunk !== '' && digits.startsWith(plan.trunk) && plan.lengths.has(digits.length - plan.trunk.length));
}

/** Phone detection for one list of regions, with its own memo. */
export class PhoneDetector {
  private readonly memo = new Map<string, number>();
  private readonly plans: ReadonlyArray<RegionPlan>;

  /** `regions` must be known to libphonenumber-js (see {@link checkPhoneRegions}); unknown ones are skipped. */
  constructor(regions: ReadonlyArray<string>) {
    this.plans = regions.map((r) => r.toUpperCase()).filter((r): r is CountryCode => isSupportedCountry(r)).map(regionPlan);
  }

  /** Confidence that `value` is a phone number: 0.85 international, 0.6 national, 0 not a phone. */
  detect(value: string): number {
    if (value.length < 7 || value.length > 24) return 0;
    if (value.charCodeAt(0) !== 43 && !FORMATTED.test(value)) return 0;
    // Only values that passed the checks below are memoised: a known one skips them.
    const known = this.memo.get(value);
    if (known !== undefined) return known;
    if (!PHONE_CHARS.test(value) || !BALANCED.test(value) || DATE.test(value)) return 0;
    const digits = value.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) return 0;
    const score = this.score(value, digits);
    if (this.memo.size >= MEMO_MAX) this.memo.clear();
    this.memo.set(value, score);
    return score;
  }

  private score(value: string, digits: string): number {
    if (value.startsWith('+')) return parse(value, undefined)?.isValid() ? 0.85 : 0;
    if (digits.startsWith('00')) return parse(`+${digits.slice(2)}`, undefined)?.isValid() ? 0.85 : 0;
    for (const plan of this.plans) {
      if (!mayFit(plan, digits)) continue;
      const parsed = parse(value, plan.region);
      if (parsed?.isValid() && writtenNationally(parsed, digits)) return 0.6;
    }
    return 0;
  }
}

function parse(value: string, region: CountryCode | undefined): PhoneNumber | undefined {
  try {
    return parsePhoneNumberFromString(value, region);
  } catch {
    return undefined;
  }
}

/** Whether `digits` is the national number as its region writes it (see the module comment). */
function writtenNationally(parsed: PhoneNumber, digits: string): boolean {
  const nsn = parsed.nationalNumber as string;
  if (parsed.countryCallingCode === '1') return digits === nsn || digits === `1${nsn}`;
  if (digits === parsed.formatNational().replace(/\D/g, '')) return true;
  return digits === nsn && MOBILE_WITHOUT_TRUNK.has(parsed.country ?? '') && parsed.getType() === 'MOBILE';
}
