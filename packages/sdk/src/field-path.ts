import { isIP } from 'node:net';
import { isEncodedToken, isMixedToken } from './shared/route-template.js';
import { detectEmail, detectPhone } from './pii-detectors.js';

/** Longest key kept verbatim; longer keys are almost always data (hashes, documents) used as keys. */
const MAX_KEY_LENGTH = 64;

const ID_LIKE = /^\d+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{12,}$/i;

/**
 * One object key as a path segment. The collector splits `path:type` on the last `:` and lists
 * on `,`, so both become `_`; `.` and `[]` would fake nesting, so they become `_` too. Keys that
 * are values in disguise (an object keyed by email, id or phone) become `{key}` so that no value
 * leaves the process through a field name, and so that maps do not explode the schema.
 */
export function pathSegment(key: string): string {
  const known = segmentCache.get(key);
  if (known !== undefined) return known;
  const segment = computeSegment(key);
  // Only real names are memoised: keys that are values must not pile up in memory.
  if (segment !== '{key}') {
    if (segmentCache.size >= SEGMENT_CACHE_MAX) segmentCache.clear();
    segmentCache.set(key, segment);
  }
  return segment;
}

const SEGMENT_CACHE_MAX = 4096;
const segmentCache = new Map<string, string>();

function computeSegment(key: string): string {
  if (key.length === 0) return '{empty}';
  if (key.length > MAX_KEY_LENGTH || ID_LIKE.test(key) || isMixedToken(key)) return '{key}';
  if (key.includes('@') && detectEmail(key) > 0) return '{key}';
  if (/^\+?[\d ().-]{7,}$/.test(key) && detectPhone(key, 'US') > 0) return '{key}';
  if (looksLikeValue(key)) return '{key}';
  return key.replace(/[:,.[\]\s]/g, '_');
}

/**
 * Keys that no schema would name a field: an `@` past the first character (an address in any
 * spelling; JSON-LD's `@type` is a name), mostly digits (cards, phones, SSNs, IBANs, however
 * separated), a run of 8 digits, an IP address, a base64 or JWT-like token, a bearer token or a URL.
 */
function looksLikeValue(key: string): boolean {
  if (key.indexOf('@', 1) !== -1 || key.includes('\uFF20')) return true;
  if (/\d{8}/.test(key) || /:\/\/|^bearer\s/i.test(key) || isIP(key) !== 0) return true;
  const compact = key.replace(/[\s._:+()/-]/g, '');
  const digits = compact.replace(/\D/g, '').length;
  if (digits >= 6 && digits >= 0.6 * compact.length) return true;
  return isEncodedToken(key);
}

export function joinPath(parent: string, segment: string): string {
  return parent === '' ? segment : `${parent}.${segment}`;
}
