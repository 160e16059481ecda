/**
 * Path → route template, shared by the SDK (url.template on spans) and the collector (spans
 * from plain OTel SDKs), so one path gets one route whoever templates it.
 */
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX_ID = /^(?=.*\d)[0-9a-f]{12,}$/i;
const API_VERSION_DATE = /^\d{4}-\d{2}-\d{2}$/;
const VERSION = /^v\d+(?:\.\d+)*$/i;

/**
 * `/v1/customers/cus_NffrFeUfNV2Hib/charges/42` → `/v1/customers/{id}/charges/{id}`.
 * A segment becomes `{id}` when it is a number, a UUID, a long hex string, a long token mixing
 * letters and digits, or anything holding `@` or `%40` (an email in a path). A file extension
 * survives (`/Accounts/AC1f…/Messages.json` keeps `.json`). Dates (Twilio's `2010-04-01`) and
 * versions (`v1`) are kept. Query and fragment are dropped.
 */
export function templatePath(path: string): string {
  const cut = path.search(/[?#]/);
  const bare = cut === -1 ? path : path.slice(0, cut);
  if (bare === '' || bare === '/') return '/';
  const known = memo.get(bare);
  if (known !== undefined) return known;
  const templated = bare
    .split('/')
    .map((segment) => templateSegment(segment))
    .join('/');
  if (bare.length > MEMO_PATH_CHARS) return templated;
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(bare, templated);
  return templated;
}

// Each call's path is templated twice (shape sampling key, then the span) and services repeat
// paths; bounded and cleared when full since paths with ids are unbounded.
const MEMO_MAX = 2048;
/**
 * Longer paths are not kept: the collector templates paths from any sender, and 2,048 kept paths
 * of 1 MB each (one a request, under its 1 MiB event-loop limit) held 2 GB (measured +201 MB after
 * 200 such requests).
 */
const MEMO_PATH_CHARS = 2048;
const memo = new Map<string, string>();

function templateSegment(segment: string): string {
  if (segment === '') return segment;
  // Matrix parameters (`;jsessionid=…`) are values.
  const semicolon = segment.indexOf(';');
  if (semicolon !== -1) return semicolon === 0 ? '{id}' : `${templateSegment(segment.slice(0, semicolon))};{id}`;
  if (hasAtSign(segment)) return '{id}';
  // A colon joins a name and a method (`projects/p:batchGet`) or hides a credential from the
  // token checks, which stop at `:` (Telegram's `/bot123456789:AAHdq…/sendMessage`): each part
  // is templated alone.
  if (segment.includes(':')) return segment.split(':').map(templateSegment).join(':');
  const dot = segment.lastIndexOf('.');
  const ext = dot > 0 && /^\.[A-Za-z]{2,5}$/.test(segment.slice(dot)) ? segment.slice(dot) : '';
  const stem = ext ? segment.slice(0, dot) : segment;
  return isIdSegment(stem) ? `{id}${ext}` : segment;
}

export function isIdSegment(segment: string): boolean {
  if (API_VERSION_DATE.test(segment) || VERSION.test(segment)) return false;
  if (/^\d+$/.test(segment)) return true;
  if (hasAtSign(segment)) return true;
  if (UUID.test(segment) || HEX_ID.test(segment)) return true;
  if (isMixedToken(segment) || segment.length > 64) return true;
  // One long run of letters and digits is a key, not a word (webhook tokens without digits).
  if (segment.length >= 24 && /^[A-Za-z0-9]+$/.test(segment)) return true;
  // Numbers written with separators: cards, phones, SSNs (`4111-1111-…`, `123-45-6789`).
  if (/^\d{6,}$/.test(segment.replace(/%20|[-_ .+()~]/g, ''))) return true;
  if (isEncodedToken(segment)) return true;
  // Percent-encoded, the decoded text counts (`leak%2540…`, `4111%201111…`).
  if (segment.includes('%')) {
    const decoded = decodedOnce(segment);
    // Encoded spaces or URL syntax in one segment are data (`John%20Smith`, `a%3Dtoken`).
    if (decoded !== segment) return /[\s=/?&#]/.test(decoded) || isIdSegment(decoded);
  }
  return false;
}

/** An `@` in any form: plain, fullwidth, or percent-encoded (once or twice). */
export function hasAtSign(segment: string): boolean {
  return segment.includes('@') || segment.includes('\uFF20') || /%(?:25)?40|%EF%BC%A0/i.test(segment);
}

function decodedOnce(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Base64 and JWT-like tokens: 16+ characters mixing letters and digits, `+/=._~-` allowed. */
export function isEncodedToken(value: string): boolean {
  return value.length >= 16 && /^[A-Za-z0-9+/=._~-]+$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value);
}

/** Long tokens mixing letters and digits (`cus_NffrFeUfNV2Hib`, API keys) are ids, not names. */
export function isMixedToken(value: string): boolean {
  if (value.length < 8) return false;
  let digits = 0;
  let letters = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    else if (c !== 95 && c !== 45) return false;
  }
  if (digits === 0 || letters === 0) return false;
  return value.length >= 16 || digits >= 3;
}
