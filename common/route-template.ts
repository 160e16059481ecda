/**
 * Path → route template, so that `/v1/customers/cus_9s6XKzkNRiz8i3/cards/42` and its siblings
 * become one route `/v1/customers/{id}/cards/{id}`. Used where no `url.template` is known.
 * Segments that look like identifiers become `{id}`; words and versions (`v1`, `charges`) stay.
 */
export function templatePath(path: string): string {
  const clean = path.split(/[?#]/, 1)[0] ?? '';
  if (clean === '' || clean === '/') return '/';
  const segments = clean.split('/').map((segment) => (isIdentifier(segment) ? '{id}' : segment));
  return segments.join('/');
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{8,}$/i;
const NUMERIC_LIKE = /^[\d.,:+-]+$/;

function isIdentifier(raw: string): boolean {
  if (raw === '') return false;
  let segment = raw;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    // A malformed escape is still a segment; judge it as written.
  }
  if (NUMERIC_LIKE.test(segment) && /\d/.test(segment)) return true;
  if (UUID.test(segment)) return true;
  if (HEX.test(segment) && /\d/.test(segment)) return true;
  if (segment.includes('@')) return true;
  // Short version-like words (v1, v2beta, api2) stay.
  if (/^v\d+[a-z]*$/i.test(segment)) return false;
  const digits = (segment.match(/\d/g) ?? []).length;
  // Vendor ids such as cus_9s6XKzkNRiz8i3, ch_3MmlLrLkdIwHu7ix0snN0B15, AC1234…: long tokens with digits.
  if (segment.length >= 8 && digits >= 2) return true;
  // Long opaque tokens without digits (base64url) are ids too; long words with dashes are not.
  if (segment.length >= 24 && !/[-.]/.test(segment)) return true;
  return false;
}
