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
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(bare, templated);
  return templated;
}

// Each call's path is templated twice (shape sampling key, then the span) and services repeat
// paths; bounded and cleared when full since paths with ids are unbounded.
const MEMO_MAX = 2048;
const memo = new Map<string, string>();

function templateSegment(segment: string): string {
  if (segment === '') return segment;
  if (segment.includes('@') || segment.toLowerCase().includes('%40')) return '{id}';
  const dot = segment.lastIndexOf('.');
  const ext = dot > 0 && /^\.[A-Za-z]{2,5}$/.test(segment.slice(dot)) ? segment.slice(dot) : '';
  const stem = ext ? segment.slice(0, dot) : segment;
  return isIdSegment(stem) ? `{id}${ext}` : segment;
}

export function isIdSegment(segment: string): boolean {
  if (API_VERSION_DATE.test(segment) || VERSION.test(segment)) return false;
  if (/^\d+$/.test(segment)) return true;
  if (segment.includes('@') || segment.toLowerCase().includes('%40')) return true;
  if (UUID.test(segment) || HEX_ID.test(segment)) return true;
  return isMixedToken(segment) || segment.length > 64;
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
