import { isIP } from 'node:net';
import { DEFAULT_PHONE_REGIONS, PhoneDetector, phoneRegionsOf } from './phone-detector.js';

/**
 * Value detectors for PII classes. Each returns a confidence in [0, 1] (0 = not this class).
 * They validate, not just pattern-match: Luhn and issuer ranges for cards, country length and
 * mod-97 for IBAN, SSA ranges for SSNs, a decodable header for JWTs, libphonenumber for phones.
 * Cheap pre-checks come first because every string value of every sampled body passes through
 * here. What they accept, format by format, is tabled in test/unit/sdk/pii-formats.test.ts.
 */

export { luhnValid } from './shared/luhn.js';
export { detectCard } from './payment-card.js';
export { detectIban, ibanValid } from './iban.js';

// Same separator throughout: `078-05-1120`, `078.05.1120`, `078 05 1120`, or none.
const SSN = /^(\d{3})([-. ]?)(\d{2})\2(\d{4})$/;

/**
 * US SSN within the ranges the SSA issues (area not 000, 666 or 9xx; group not 00; serial not
 * 0000), dashed, dotted or spaced. Nine bare digits are too ambiguous alone (ids, ZIP+4 without
 * its dash, order numbers): they get a low score that only a field-name hint can lift.
 */
export function detectSsn(value: string): number {
  const m = SSN.exec(value);
  if (!m) return 0;
  const [, area = '', separator = '', group = '', serial = ''] = m;
  if (area === '000' || area === '666' || area.startsWith('9') || group === '00' || serial === '0000') return 0;
  return separator === '-' ? 0.85 : separator === '' ? 0.3 : 0.75;
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

// Local part and domain per RFC 5321 limits, widened to UTF-8 as RFC 6531 (SMTPUTF8) and IDNA
// allow: Unicode letters in the local part and in domain labels (`bücher.de`), and `xn--`
// A-labels anywhere, top-level domain included (`.xn--p1ai`). The TLD is letters or an A-label.
const EMAIL =
  /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)(?:[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?\.)+(?:\p{L}[\p{L}\p{M}]{1,62}|[Xx][Nn]--[A-Za-z0-9-]{1,59})$/u;

export function detectEmail(value: string): number {
  if (value.length < 6 || value.length > 320 || value.indexOf('@') < 1) return 0;
  if (!EMAIL.test(value)) return 0;
  const local = value.slice(0, value.indexOf('@'));
  return local.startsWith('.') || local.endsWith('.') || local.includes('..') ? 0 : 0.9;
}

// One detector per region list, so each keeps its memo; region lists are few (one per process, usually).
const phoneDetectors = new WeakMap<ReadonlyArray<string>, PhoneDetector>();

/** Phone: E.164 (`+…`) or a national number of one of `regions`, or of one region (see phone-detector.ts). */
export function detectPhone(value: string, regionOrRegions: string | ReadonlyArray<string> = DEFAULT_PHONE_REGIONS): number {
  const regions = typeof regionOrRegions === 'string' ? phoneRegionsOf(undefined, regionOrRegions) : regionOrRegions;
  let detector = phoneDetectors.get(regions);
  if (!detector) {
    detector = new PhoneDetector(regions);
    phoneDetectors.set(regions, detector);
  }
  return detector.detect(value);
}

/**
 * An IP address that can point at a person's device. Not counted, as not personal data:
 * networks in CIDR notation (`10.0.0.0/8`; a `/32` or `/128` is one host and counts), loopback
 * (`127.0.0.0/8`, `::1`), unspecified (`0.0.0.0`, `::`), broadcast and multicast, and four
 * single-digit octets (`1.0.0.0`, `4.2.1.0`): version strings far more often than addresses.
 */
export function detectIp(value: string): number {
  if (value.length < 2 || value.length > 49) return 0;
  const slash = value.indexOf('/');
  let address = value;
  if (slash >= 0) {
    const prefix = value.slice(slash + 1);
    address = value.slice(0, slash);
    const version = isIP(address);
    if (!((version === 4 && prefix === '32') || (version === 6 && prefix === '128'))) return 0;
  }
  const version = isIP(address);
  if (version === 4) return personalV4(address) ? 0.9 : 0;
  if (version !== 6) return 0;
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return personalV4(lower.slice(7)) ? 0.9 : 0;
  if (/^[0:]+$/.test(lower) || /^[0:]+:0*1$/.test(lower) || lower.startsWith('ff')) return 0;
  return 0.9;
}

function personalV4(address: string): boolean {
  const octets = address.split('.').map(Number);
  const [a = 0, b = 0, c = 0, d = 0] = octets;
  if (a === 0 || a === 127 || a >= 224) return false;
  return !(a < 10 && b < 10 && c < 10 && d < 10);
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
