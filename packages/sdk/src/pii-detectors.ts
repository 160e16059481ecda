import { luhnValid } from './shared/luhn.js';
import { isIP } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Value detectors for PII classes. Each returns a confidence in [0, 1] (0 = not this class).
 * They validate, not just pattern-match: Luhn for cards, mod-97 for IBAN, SSA ranges for SSNs,
 * a decodable header for JWTs, libphonenumber for phones. Cheap pre-checks come first because
 * every string value of every sampled body passes through here.
 */

const DIGITS_ONLY = /^\d+$/;

export { luhnValid };

/** Payment card: 13–19 digits (spaces or dashes allowed), a known IIN range, Luhn-valid. */
export function detectCard(value: string): number {
  if (value.length < 13 || value.length > 23) return 0;
  const digits = value.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19 || !DIGITS_ONLY.test(digits)) return 0;
  if (/^(\d)\1+$/.test(digits)) return 0;
  if (!luhnValid(digits)) return 0;
  // Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro ranges.
  return /^(4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|30[0-5]|36|38|62|5[06-9]|6[0-9])/.test(digits) ? 0.95 : 0.6;
}

/** IBAN: country code, check digits, BBAN; mod-97 of the rearranged number must be 1. */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/ /g, '').toUpperCase();
  if (iban.length < 15 || iban.length > 34 || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const chunk = code >= 65 ? String(code - 55) : ch;
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

export function detectIban(value: string): number {
  if (value.length < 15 || value.length > 42) return 0;
  return ibanValid(value) ? 0.95 : 0;
}

/**
 * US SSN `AAA-GG-SSSS` within the ranges the SSA issues (area not 000, 666 or 9xx; group not 00;
 * serial not 0000). Nine bare digits are too ambiguous alone: they get a low score that only a
 * field-name hint can lift.
 */
export function detectSsn(value: string): number {
  const dashed = /^(\d{3})-(\d{2})-(\d{4})$/.exec(value);
  const bare = dashed ? null : /^(\d{3})(\d{2})(\d{4})$/.exec(value);
  const m = dashed ?? bare;
  if (!m) return 0;
  const [, area = '', group = '', serial = ''] = m;
  if (area === '000' || area === '666' || area.startsWith('9') || group === '00' || serial === '0000') return 0;
  return dashed ? 0.85 : 0.3;
}

/** JWT: three base64url segments whose header decodes to JSON with an `alg`. */
export function detectJwt(value: string): number {
  if (value.length < 20 || !value.startsWith('eyJ')) return 0;
  const parts = value.split('.');
  if (parts.length !== 3 || !parts.every((p, i) => (i === 2 ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9_-]+$/).test(p))) return 0;
  try {
    const header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && 'alg' in header ? 0.95 : 0;
  } catch {
    return 0;
  }
}

// Local part and domain per RFC 5321 limits; a dotted domain with a 2+ letter TLD.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function detectEmail(value: string): number {
  if (value.length < 6 || value.length > 320 || value.indexOf('@') < 1) return 0;
  if (!EMAIL.test(value)) return 0;
  const local = value.slice(0, value.indexOf('@'));
  return local.startsWith('.') || local.endsWith('.') || local.includes('..') ? 0 : 0.9;
}

const PHONE_CHARS = /^\+?[\d ().-]{7,22}$/;

// libphonenumber costs ~10 µs a parse and the same numbers recur call after call (the same
// customers, the sender's own number), so verdicts are memoised. The memo lives and dies in
// this process like the values themselves; it is small and cleared when full.
const PHONE_MEMO_MAX = 512;
const phoneMemo = new Map<string, number>();

/** Phone: E.164 (`+…`) or a national number that libphonenumber validates for `defaultCountry`. */
export function detectPhone(value: string, defaultCountry: string): number {
  if (value.length < 7 || value.length > 24) return 0;
  // Only values that passed the checks below are memoised: a known one skips them.
  const key = `${defaultCountry}|${value}`;
  const known = phoneMemo.get(key);
  if (known !== undefined) return known;
  if (!PHONE_CHARS.test(value)) return 0;
  const digitCount = value.replace(/\D/g, '').length;
  if (digitCount < 7 || digitCount > 15) return 0;
  const score = parsePhone(value, defaultCountry);
  if (phoneMemo.size >= PHONE_MEMO_MAX) phoneMemo.clear();
  phoneMemo.set(key, score);
  return score;
}

function parsePhone(value: string, defaultCountry: string): number {
  try {
    // libphonenumber-js types the country as its own union; any unknown code simply fails to parse.
    const parsed = parsePhoneNumberFromString(value, defaultCountry as Parameters<typeof parsePhoneNumberFromString>[1]);
    if (!parsed?.isValid()) return 0;
    return value.startsWith('+') ? 0.85 : 0.6;
  } catch {
    return 0;
  }
}

export function detectIp(value: string): number {
  if (value.length < 7 || value.length > 45) return 0;
  const version = isIP(value);
  if (version === 4) return value === '0.0.0.0' ? 0.3 : 0.9;
  return version === 6 ? 0.9 : 0;
}

// Well-known secret prefixes: Stripe, AWS, GitHub, Slack, SendGrid, Google, OpenAI, Anthropic, Twilio.
const API_KEY = /^(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}$|^(?:AKIA|ASIA)[A-Z0-9]{16}$|^gh[pousr]_[A-Za-z0-9]{30,}$|^github_pat_[A-Za-z0-9_]{40,}$|^xox[abposr]-[A-Za-z0-9-]{10,}$|^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$|^AIza[A-Za-z0-9_-]{35}$|^sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}$|^SK[0-9a-f]{32}$/;

export function detectApiKey(value: string): number {
  if (value.length < 20 || value.length > 256) return 0;
  return API_KEY.test(value) ? 0.9 : 0;
}

export function detectBearer(value: string): number {
  if (value.length < 12) return 0;
  return /^Bearer [A-Za-z0-9._~+/=-]{8,}$/i.test(value) ? 0.9 : 0;
}

/** ISO-like calendar date (`1990-04-21`, `21/04/1990`); only meaningful with a name hint. */
export function looksLikeDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}(?:T.*)?$|^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}$/.test(value);
}

/** `lat,lng` pairs in range. */
export function detectGeo(value: string): number {
  const m = /^\s*(-?\d{1,2}\.\d{3,})\s*,\s*(-?\d{1,3}\.\d{3,})\s*$/.exec(value);
  if (!m) return 0;
  const lat = Number(m[1]);
  const lng = Number(m[2]);
  return Math.abs(lat) <= 90 && Math.abs(lng) <= 180 ? 0.7 : 0;
}
