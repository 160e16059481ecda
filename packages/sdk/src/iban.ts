/**
 * IBAN length per country (ISO 13616 registry as SWIFT publishes it, plus the countries that use
 * the format outside the registry: francophone Africa, Algeria, Iran, the French territories).
 * A country's IBANs all have one length; checking it turns mod-97's one-in-97 chance for a random
 * token (an MD5 or a dashless UUID is 32 characters) into almost none.
 */
const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  (
    'AD24 AE23 AL28 AO25 AT20 AX18 AZ28 BA20 BE16 BF28 BG22 BH22 BI27 BJ28 BL27 BR29 BY28 CF27 CG27 ' +
    'CH21 CI28 CM27 CR22 CV25 CY28 CZ24 DE22 DJ27 DK18 DO28 DZ26 EE20 EG29 ES24 FI18 FK18 FO18 FR27 ' +
    'GA27 GB22 GE22 GF27 GI23 GL18 GP27 GQ27 GR27 GT28 GW25 HN28 HR21 HU28 IE22 IL23 IQ23 IR26 IS26 ' +
    'IT27 JO30 KM27 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MA28 MC27 MD24 ME22 MF27 MG27 MK19 ' +
    'ML28 MN20 MQ27 MR27 MT31 MU30 MZ25 NC27 NE28 NI28 NL18 NO15 OM23 PF27 PK24 PL28 PM27 PS29 PT25 ' +
    'QA29 RE27 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SN28 SO23 ST25 SV28 TD27 TF27 TG28 ' +
    'TL23 TN24 TR26 UA29 VA22 VG24 WF27 XK20 YE30 YT27'
  )
    .split(' ')
    .map((entry) => [entry.slice(0, 2), Number(entry.slice(2))] as const),
);

// The printed form groups by four with spaces (ISO 13616-1 §5.3); dashes are common in forms
// and e-mails. One separator kind per value, single separators between characters.
const ELECTRONIC = /^[A-Z]{2}\d{2}[A-Z0-9]+$/;
const ELECTRONIC_LOWER = /^[a-z]{2}\d{2}[a-z0-9]+$/;
const GROUPED = /^[A-Za-z0-9]+(?:([ -])[A-Za-z0-9]+(?:\1[A-Za-z0-9]+)*)?$/;

/**
 * The IBAN's electronic form (no separators, upper case) if `value` is written as one: upper case
 * as ISO 13616 writes it, or wholly lower case as people type it into forms (still an account
 * number); mixed case is neither, so `GB82west…` is not an IBAN. Undefined otherwise.
 */
export function ibanElectronicForm(value: string): string | undefined {
  let compact = value;
  if (!/^[A-Za-z0-9]+$/.test(value)) {
    if (!GROUPED.test(value)) return undefined;
    compact = value.replace(/[ -]/g, '');
  }
  if (ELECTRONIC.test(compact)) return compact;
  return ELECTRONIC_LOWER.test(compact) ? compact.toUpperCase() : undefined;
}

/** IBAN: a country's length, check digits, BBAN; mod-97 of the rearranged number must be 1. */
export function ibanValid(value: string): boolean {
  const iban = ibanElectronicForm(value);
  if (iban === undefined || IBAN_LENGTHS.get(iban.slice(0, 2)) !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    // Letters count as two digits (A = 10 … Z = 35).
    remainder = code >= 65 ? (remainder * 100 + code - 55) % 97 : (remainder * 10 + code - 48) % 97;
  }
  return remainder === 1;
}

export function detectIban(value: string): number {
  if (value.length < 15 || value.length > 42) return 0;
  return ibanValid(value) ? 0.95 : 0;
}
