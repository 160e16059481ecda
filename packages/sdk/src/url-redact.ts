import { isMixedToken, templatePath } from './shared/route-template.js';

/**
 * A URL safe to export: no userinfo (basic auth), every query value replaced by `REDACTED` (keys
 * kept, so `?api_key=` shows that a key was sent but not which), no fragment, and id-like or
 * secret-like path segments replaced by `{id}` (tokens in paths such as webhook URLs).
 * Unparseable input yields only what precedes `?`, minus any userinfo.
 */
export function redactUrl(url: string): string {
  // A URL without query, fragment or userinfo is a destination, not data, and recurs call after
  // call: its redacted form is memoised. Anything else is redacted afresh and not kept.
  const plain = url.indexOf('?') === -1 && url.indexOf('#') === -1 && url.indexOf('@') === -1;
  if (!plain) return redact(url);
  let redacted = memo.get(url);
  if (redacted === undefined) {
    redacted = redact(url);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(url, redacted);
  }
  return redacted;
}

const MEMO_MAX = 1024;
const memo = new Map<string, string>();

function redact(url: string): string {
  const fast = /^(https?:\/\/)([A-Za-z0-9.-]+(?::\d+)?|\[[0-9A-Fa-f:.]+\](?::\d+)?)(\/[^?#]*)?(\?[^#]*)?(#.*)?$/.exec(url);
  // The common case (no userinfo) without building a URL object: this runs on every span.
  if (fast) return `${fast[1]}${(fast[2] ?? '').toLowerCase()}${templatePath(fast[3] ?? '/')}${redactQuery(fast[4] ?? '')}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return unparsable(url);
  }
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  const query = redactQuery(parsed.search);
  return `${parsed.protocol}//${parsed.host}${templatePath(parsed.pathname)}${query}`;
}

/**
 * A URL that does not parse: its scheme and host when the host looks like one (else `{host}`),
 * the path templated; never userinfo (up to the last `@`), query or fragment.
 */
function unparsable(url: string): string {
  const bare = url.split(/[?#]/)[0] ?? '';
  const parts = /^((?:[a-z][a-z0-9+.-]*:)?\/\/)([^/]*)(.*)$/i.exec(bare);
  if (!parts) return templatePath(bare);
  const authority = (parts[2] ?? '').slice((parts[2] ?? '').lastIndexOf('@') + 1);
  const host = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d*)?$/.test(authority) ? authority : '{host}';
  return `${parts[1]}${host}${parts[3] ? templatePath(parts[3]) : ''}`;
}

/** `/v1/users/42?token=x#y` → `/v1/users/{id}?token=REDACTED`. */
export function redactTarget(target: string): string {
  const query = target.indexOf('?');
  const fragment = target.indexOf('#');
  const pathEnd = Math.min(query === -1 ? target.length : query, fragment === -1 ? target.length : fragment);
  const search = query === -1 ? '' : target.slice(query, fragment > query ? fragment : target.length);
  return `${templatePath(target.slice(0, pathEnd))}${redactQuery(search)}`;
}

/** `?a=1&b=2` → `?a=REDACTED&b=REDACTED`; keys that look like values become `{key}`. */
export function redactQuery(search: string): string {
  if (search === '' || search === '?') return '';
  if (search.startsWith('?')) search = search.slice(1);
  const keys: string[] = [];
  for (const [key] of new URLSearchParams(search)) {
    const safeKey = isNameLike(key) ? key : '{key}';
    keys.push(`${encodeURIComponent(safeKey)}=REDACTED`);
  }
  return keys.length > 0 ? `?${keys.join('&')}` : '';
}

/**
 * Whether a query key reads as a parameter name (`utm_source`, `page[size]`, `X-Amz-Date`), not
 * as a value sent as a key (`?4111111111111111`, `?sk_live_…`, a token): starts with a letter or
 * `_`, and no part of it is a long number or a token mixing letters and digits.
 */
function isNameLike(key: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_.[\]-]{0,63}$/.test(key) || /\d{5}/.test(key)) return false;
  return !key.split(/[.[\]]/).some((part) => isMixedToken(part));
}
