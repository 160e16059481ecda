import {
  detectApiKey,
  detectBearer,
  detectCard,
  detectEmail,
  detectGeo,
  detectIban,
  detectIp,
  detectJwt,
  detectPhone,
  detectSsn,
  looksLikeDate,
} from './pii-detectors.js';
import { phoneRegionsOf } from './phone-detector.js';

/** One PII class found on a field, with how sure the classifier is. */
export interface PiiMatch {
  /** A class of common/types.ts PII_CLASSES, or a custom class name. */
  piiClass: string;
  confidence: number;
  source: 'value' | 'name';
}

/**
 * A custom class: matched by value (`pattern` or `test`) and/or by field name (`fieldNames`,
 * compared after lowercasing and dropping non-alphanumerics, so `Employee_ID` = `employeeid`).
 */
export interface CustomPiiClass {
  name: string;
  pattern?: RegExp;
  test?: (value: string, fieldName: string) => boolean;
  fieldNames?: string[];
  /** Default 0.9. */
  confidence?: number;
}

export interface ClassifierOptions {
  /**
   * Regions whose national phone numbers (without `+`) are recognised, ISO 3166 codes known to
   * libphonenumber-js. Default DEFAULT_PHONE_REGIONS (US GB DE FR IN JP CN IL BR AU).
   */
  phoneRegions?: ReadonlyArray<string>;
  /** @deprecated One region, the same as `phoneRegions: [region]`; `phoneRegions` wins. */
  defaultPhoneCountry?: string;
  /** Matches below this confidence are dropped. Default 0.5. */
  minConfidence: number;
  custom: ReadonlyArray<CustomPiiClass>;
}

type NameHint = readonly [piiClass: string, confidence: number];

// Keys are normalised field names (lowercase, alphanumerics only).
const NAME_HINTS: ReadonlyMap<string, NameHint> = new Map<string, NameHint>([
  ...['email', 'emailaddress', 'mail', 'useremail', 'customeremail', 'receiptemail'].map((n) => [n, ['email', 0.7]] as const),
  ...['phone', 'phonenumber', 'mobile', 'mobilenumber', 'tel', 'telephone', 'cell', 'msisdn'].map((n) => [n, ['phone', 0.7]] as const),
  ...['cardnumber', 'ccnumber', 'creditcard', 'creditcardnumber', 'pan', 'cardno'].map((n) => [n, ['card', 0.7]] as const),
  ...['iban', 'bankaccount', 'accountnumber'].map((n) => [n, ['iban', 0.6]] as const),
  ...['ssn', 'socialsecuritynumber', 'socialsecurity', 'taxid', 'nationalid'].map((n) => [n, ['ssn', 0.8]] as const),
  ...['ip', 'ipaddress', 'clientip', 'remoteip', 'remoteaddr', 'userip'].map((n) => [n, ['ip_address', 0.6]] as const),
  ...['jwt', 'idtoken'].map((n) => [n, ['jwt', 0.6]] as const),
  ...['apikey', 'secretkey', 'accesskey', 'clientsecret', 'privatekey', 'apisecret', 'secret'].map((n) => [n, ['api_key', 0.7]] as const),
  ...['token', 'accesstoken', 'refreshtoken', 'authorization', 'authtoken', 'bearer'].map((n) => [n, ['bearer_token', 0.6]] as const),
  ...['password', 'passwd', 'pwd', 'passphrase', 'pin'].map((n) => [n, ['password', 0.9]] as const),
  ...['firstname', 'lastname', 'fullname', 'givenname', 'familyname', 'surname', 'middlename', 'customername', 'cardholdername', 'holdername'].map(
    (n) => [n, ['person_name', 0.7]] as const,
  ),
  ...['address', 'street', 'streetaddress', 'addressline1', 'addressline2', 'line1', 'line2', 'postcode', 'postalcode', 'zip', 'zipcode'].map(
    (n) => [n, ['street_address', 0.6]] as const,
  ),
  ...['dob', 'dateofbirth', 'birthdate', 'birthday', 'birthdt'].map((n) => [n, ['date_of_birth', 0.8]] as const),
  ...['lat', 'latitude', 'lng', 'lon', 'long', 'longitude', 'geo', 'geolocation', 'coordinates', 'location'].map(
    (n) => [n, ['geo_location', 0.6]] as const,
  ),
]);

/** `first_name` / `FirstName` / `first-name` → `firstname`. */
export function normaliseFieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** What a field name says before any value is looked at (see {@link fieldNameInfo}). */
export interface KeyInfo {
  normalised: string;
  hint: NameHint | undefined;
}

// Field names repeat on every call (that is what a schema is), so their analysis is memoised.
// Bounded, and cleared rather than evicted: a map of keys-as-data would otherwise grow forever.
const KEY_CACHE_MAX = 4096;
const keyCache = new Map<string, KeyInfo>();

/** The normalised name and name hint of a field, memoised; callers may keep it per field. */
export function fieldNameInfo(fieldName: string): KeyInfo {
  let info = keyCache.get(fieldName);
  if (info) return info;
  info = describeFieldName(fieldName);
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(fieldName, info);
  return info;
}

/** As {@link fieldNameInfo} but not memoised, for keys that are values (ids, emails used as keys). */
export function describeFieldName(fieldName: string): KeyInfo {
  const normalised = normaliseFieldName(fieldName);
  return { normalised, hint: NAME_HINTS.get(normalised) ?? suffixHint(normalised) };
}

/**
 * Classifies one scalar value found under field `fieldName`. Value detectors and name hints
 * combine: a hint adds to a weak value match of the same class (`ssn` + nine digits), and a hint
 * alone counts only when the field actually carries a non-empty value.
 */
export function classifyValue(
  value: string | number | boolean,
  fieldName: string,
  options: ClassifierOptions,
  /** `fieldNameInfo(fieldName)`, when the caller already has it. */
  info?: KeyInfo,
): PiiMatch[] {
  if (typeof value === 'boolean' || value === '') return [];
  const { normalised, hint } = info ?? fieldNameInfo(fieldName);
  const scores = typeof value === 'string' ? valueScores(value, phoneRegionsOf(options.phoneRegions, options.defaultPhoneCountry)) : NONE;
  if (scores.length === 0 && !hint && options.custom.length === 0) return [];

  const text = typeof value === 'string' ? value : String(value);
  const matches = new Map<string, PiiMatch>();
  const add = (piiClass: string, confidence: number, source: PiiMatch['source']): void => {
    const prev = matches.get(piiClass);
    if (!prev) matches.set(piiClass, { piiClass, confidence, source });
    else matches.set(piiClass, { piiClass, confidence: Math.min(0.99, Math.max(prev.confidence, confidence) + 0.1), source: prev.source });
  };
  for (const [piiClass, score] of scores) add(piiClass, score, 'value');
  if (hint) {
    const [piiClass, confidence] = hint;
    if (piiClass !== 'date_of_birth' || typeof value === 'number' || looksLikeDate(text)) add(piiClass, confidence, 'name');
  }
  for (const custom of options.custom) {
    const byName = custom.fieldNames?.some((n) => normaliseFieldName(n) === normalised) ?? false;
    const byValue = (custom.pattern?.test(text) ?? false) || safeTest(custom, text, fieldName);
    if (byName || byValue) add(custom.name, custom.confidence ?? 0.9, byValue ? 'value' : 'name');
  }
  const out: PiiMatch[] = [];
  for (const m of matches.values()) if (m.confidence >= options.minConfidence) out.push(m);
  return out;
}

const NONE: ReadonlyArray<[string, number]> = [];

function safeTest(custom: CustomPiiClass, value: string, fieldName: string): boolean {
  if (!custom.test) return false;
  try {
    return custom.test(value, fieldName) === true;
  } catch {
    return false;
  }
}

// The value detectors valueChecks may ask for, as bits.
const EMAIL = 1;
const CARD = 2;
const SSN = 4;
const IP = 8;
/** Only when no card or SSN matched: those digit strings would also parse as phone numbers. */
const PHONE = 16;
const GEO = 32;
const BEARER = 64;
const IBAN = 128;
const JWT = 256;
const API_KEY = 512;

/**
 * Which value detectors `text[start, end)` could possibly satisfy, decided by one pass over its
 * characters (0 for most values): strings in API bodies are mostly words, codes and ids, and
 * they should cost a scan, not a dozen regexes and a phone-number parse. Works on a range so a
 * body scanner can rule a value out before it even builds the string.
 */
function valueChecks(text: string, start: number, end: number): number {
  if (end - start < 6) return 0;
  let digits = 0;
  let letters = 0;
  let spaces = 0;
  let at = 0;
  let dots = 0;
  let colons = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    else if (c === 32) {
      // Words with spaces (names, descriptions, messages) are the commonest strings, and only
      // `Bearer <token>` or a spaced IBAN can match among them (an email, IP, card or phone has
      // no letters beside a space): decide now instead of scanning the rest.
      if (letters > 0 && !isBearerStart(text, start) && !isIbanStart(text, start)) return 0;
      spaces++;
    }
    else if (c === 64) at++;
    else if (c === 46) dots++;
    else if (c === 58) colons++;
  }
  if (at === 1) return EMAIL;
  if (at > 0) return 0;
  if (letters === 0) {
    let checks = 0;
    if (digits >= 13 && digits <= 19) checks |= CARD;
    if (digits === 9) checks |= SSN;
    if (dots === 3 || colons > 1) checks |= IP;
    // One dot is an amount or a decimal (`98765432.10`); three are an IPv4's. Phones are grouped
    // with spaces, dashes, slashes or dots (`01.23.45.67.89`); detectPhone turns bare digits away.
    else if (digits >= 7 && digits <= 15 && dots !== 1 && colons === 0) checks |= PHONE;
    if (dots >= 2) checks |= GEO;
    return checks;
  }
  let checks = colons > 1 ? IP : 0;
  if (spaces > 0) {
    // Text with spaces: only `Bearer <token>` and a spaced IBAN qualify.
    if (spaces === 1 && isBearerStart(text, start)) return checks | BEARER;
    return digits >= 10 && isIbanStart(text, start) ? checks | IBAN : checks;
  }
  if (dots === 2 && text.startsWith('eyJ', start)) checks |= JWT;
  if (end - start >= 20 && digits > 0) checks |= API_KEY;
  if (digits >= 10 && isIbanStart(text, start)) checks |= IBAN;
  return checks;
}

/**
 * Regular-expression source for a JSON string literal, quotes included, whose contents
 * `valueChecks` rules out (returns 0 for): a strict subset of those strings, written as a pattern
 * so a schema template (see schema-template.ts) can accept an array element's strings without
 * looking at them one by one. Each branch is one of valueChecks' early answers, made stricter
 * where that keeps the pattern simple; no backslash anywhere, so the raw text is the value.
 * The branches overlap (`"ab"` fits three), so a template uses it inside a lookahead only.
 * Change it together with valueChecks: a unit test checks every branch against it.
 */
export const NO_PII_LOOKS_STRING = [
  '"(?:',
  // Fewer than 6 characters.
  String.raw`[^"\\]{0,5}`,
  // A word and a space: a letter first and a space before any other test applies, not `Bearer `
  // and not two letters then two digits (an IBAN's start).
  String.raw`|(?![Bb]earer |[A-Za-z]{2}\d\d)[A-Za-z][^"\\ ]* [^"\\]*`,
  // One token with a letter and none of `@`, `:` or a space; not a JWT's `eyJ` or an IBAN's
  // start; and either without digits or under 20 characters (an API key needs both).
  String.raw`|(?!eyJ|[A-Za-z]{2}\d\d)(?:[^"\\\d@: ]*[A-Za-z][^"\\\d@: ]*|(?=[^"\\]{0,19}")[^"\\@: ]*[A-Za-z][^"\\@: ]*)`,
  ')"',
].join('');

/** True when value detectors could match `text[start, end)`; false means the value is not PII by its looks. */
export function mayMatchByValue(text: string, start: number, end: number): boolean {
  return valueChecks(text, start, end) !== 0;
}

function valueScores(value: string, phoneRegions: ReadonlyArray<string>): ReadonlyArray<[string, number]> {
  const checks = valueChecks(value, 0, value.length);
  if (checks === 0) return NONE;
  const out: Array<[string, number]> = [];
  const push = (piiClass: string, score: number): void => {
    if (score > 0) out.push([piiClass, score]);
  };
  if ((checks & EMAIL) !== 0) push('email', detectEmail(value));
  if ((checks & CARD) !== 0) push('card', detectCard(value));
  if ((checks & SSN) !== 0) push('ssn', detectSsn(value));
  if ((checks & IP) !== 0) push('ip_address', detectIp(value));
  if ((checks & PHONE) !== 0 && out.length === 0) push('phone', detectPhone(value, phoneRegions));
  if ((checks & GEO) !== 0) push('geo_location', detectGeo(value));
  if ((checks & BEARER) !== 0) push('bearer_token', detectBearer(value));
  if ((checks & IBAN) !== 0) push('iban', detectIban(value));
  if ((checks & JWT) !== 0) push('jwt', detectJwt(value));
  if ((checks & API_KEY) !== 0) push('api_key', detectApiKey(value));
  return out;
}

function isBearerStart(text: string, start: number): boolean {
  return text.startsWith('Bearer ', start) || text.startsWith('bearer ', start);
}

function isIbanStart(text: string, start: number): boolean {
  const a = text.charCodeAt(start) & ~32;
  const b = text.charCodeAt(start + 1) & ~32;
  const c = text.charCodeAt(start + 2);
  const d = text.charCodeAt(start + 3);
  return a >= 65 && a <= 90 && b >= 65 && b <= 90 && c >= 48 && c <= 57 && d >= 48 && d <= 57;
}

// `billing_email`, `customer_phone`, `shipping_address_line1`: the hint sits at the end.
const SUFFIXES: ReadonlyArray<readonly [string, NameHint]> = [
  ['email', ['email', 0.6]],
  ['phone', ['phone', 0.6]],
  ['password', ['password', 0.9]],
  ['ssn', ['ssn', 0.7]],
  ['apikey', ['api_key', 0.7]],
  ['secret', ['api_key', 0.6]],
  ['token', ['bearer_token', 0.5]],
  ['firstname', ['person_name', 0.7]],
  ['lastname', ['person_name', 0.7]],
  ['fullname', ['person_name', 0.7]],
  ['line1', ['street_address', 0.6]],
  ['address', ['street_address', 0.5]],
  ['birthdate', ['date_of_birth', 0.7]],
  ['ipaddress', ['ip_address', 0.6]],
];

function suffixHint(key: string): NameHint | undefined {
  if (key.length < 5) return undefined;
  for (const [suffix, hint] of SUFFIXES) if (key.endsWith(suffix)) return hint;
  return undefined;
}
