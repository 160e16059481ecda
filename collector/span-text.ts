import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { hasAtSign, isEncodedToken, isIdSegment, templatePath } from '@egresswatch/sdk/shared/route-template';
import { BoundedCache } from '../common/bounded-cache.js';
import { hasUnsafeChar } from '../common/text.js';
import { looksSensitive } from './redact.js';

/**
 * What the collector stores of a span's free text, and in which form. Every string in a span is
 * written by whoever can reach the collector, and everything downstream (SQL, Grafana variables,
 * Slack, terminals, cache keys) relies on the forms below; SECURITY.md lists them.
 */
export const TEXT_LIMITS = {
  /** A DNS name's own limit (RFC 1035). */
  hostChars: 253,
  serviceChars: 128,
  environmentChars: 64,
  routeChars: 256,
  /** One path segment or field-path segment; longer ones are values, not names. */
  segmentChars: 64,
  fieldPathChars: 256,
  /** OTel's `error.type` is a low-cardinality identifier (`timeout`, `500`, `java.net.UnknownHostException`). */
  errorTypeChars: 64,
} as const;

const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A host in the forms the collector accepts, before any label is generalised. */
export interface CleanHost {
  /** Lowercase ASCII (IDNA A-labels), no brackets, no trailing dot: what vendor patterns match. */
  ascii: string;
  /** What is stored: `ascii` with labels that carry a value (a token, an id, an address) as `{id}`. */
  stored: string;
}

/**
 * A destination host in host-name syntax: an IPv4/IPv6 address, or a DNS name whose labels are
 * letters, digits, `-` and `_` (after IDNA: `münchen.de` → `xn--mnchen-3ya.de`, so look-alike
 * characters cannot pose as a known vendor). Anything else (an e-mail address, a URL, a space,
 * a control character) is not a host, and the span is rejected.
 */
export function cleanHost(raw: string): CleanHost | undefined {
  return hosts.get(raw, checkHost);
}

// Hosts, routes and names repeat span after span; IDNA and the value checks cost ~1 µs each.
// Keys longer than 4× what is stored are judged each time (a sender can make them any length).
const hosts = new BoundedCache<string, CleanHost | undefined>(10_000, { longestKey: TEXT_LIMITS.hostChars * 4, keyChars: 2_000_000 });
const routes = new BoundedCache<string, string>(10_000, { longestKey: TEXT_LIMITS.routeChars * 4, keyChars: 2_000_000 });
const names = new BoundedCache<string, string>(2_000);

function checkHost(raw: string): CleanHost | undefined {
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || host.length > TEXT_LIMITS.hostChars * 4) return undefined;
  if (isIP(host) !== 0) return { ascii: host, stored: host };
  const ascii = domainToASCII(host);
  if (ascii === '' || ascii.length > TEXT_LIMITS.hostChars) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((label) => DNS_LABEL.test(label))) return undefined;
  // A label can carry data out (DNS exfiltration, a token as a subdomain): stored generalised.
  const stored = labels.map((label) => (isValueLabel(label) ? '{id}' : label)).join('.');
  return { ascii, stored };
}

function isValueLabel(label: string): boolean {
  return isEncodedToken(label) || looksSensitive(label) || /^\d{6,}$/.test(label.replace(/[-_]/g, ''));
}

/** Characters allowed in service and environment names; anything else becomes `_`. */
const NAME_CHAR = /[^\p{L}\p{M}\p{N} ._\-/:@+#()]/gu;

/**
 * A service or environment name: letters, digits and ` ._-/:@+#()`, trimmed and capped; other
 * characters become `_`. A name that reads as a secret or personal data is stored as `{redacted}`.
 */
export function cleanName(raw: string, maxChars: number): string {
  if (raw.length > maxChars * 4) return checkName(raw, maxChars);
  return names.get(`${maxChars}:${raw}`, () => checkName(raw, maxChars));
}

function checkName(raw: string, maxChars: number): string {
  const name = raw.replace(NAME_CHAR, '_').trim().slice(0, maxChars);
  return looksSensitive(name) ? '{redacted}' : name;
}

/** Characters of a route segment (RFC 3986 `pchar` less `'`, plus `{}` of templates). */
const SEGMENT = /^[\p{L}\p{M}\p{N}._~!$&()*+,;=:@%{}-]*$/u;

/**
 * The stored route: the template (or path) with query and fragment dropped, ids and tokens as
 * `{id}` (the SDK's templating), any segment holding other characters as `{id}`, capped at a
 * segment boundary. `url.template` and `http.route` get this too: a sender's template is text
 * like any other.
 */
export function cleanRoute(template: string): string {
  return routes.get(template, checkRoute);
}

/** RFC 3986 sub-delims and the other `pchar`s that join values inside one segment. */
const JOINERS = /[!$&'()*+,;=:@{}~]+/;

/**
 * Whether a segment hides an id or a token behind a joiner, where the templating sees one word:
 * `4111111111111111!`, `a,sk_live_…`, `(+14155552671)`, `123,456`.
 */
function hidesValue(segment: string): boolean {
  return JOINERS.test(segment) && segment.split(JOINERS).some((piece) => piece !== '' && isIdSegment(piece));
}

/**
 * Each segment adds at least `/` to the route, so the 257th (at the latest) passes its cap: the
 * ones after never count.
 */
const ROUTE_SEGMENTS = TEXT_LIMITS.routeChars + 1;

/**
 * The part of a path (or template) that can reach the stored route: query and fragment dropped,
 * and what follows its ROUTE_SEGMENTS-th segment. Templating every segment of a 1 MB path of
 * `a://` cost 240 ms (125 ms for 1 MB of `/`), on the event loop for a body under 1 MiB; the
 * route is the same, as templating reads each segment alone and never adds or removes a `/`.
 */
export function routePath(path: string): string {
  const cut = path.search(/[?#]/);
  let bare = cut === -1 ? path : path.slice(0, cut);
  let slash = -1;
  for (let n = 0; n <= ROUTE_SEGMENTS; n++) {
    slash = bare.indexOf('/', slash + 1);
    if (slash === -1) break;
  }
  if (slash !== -1) bare = bare.slice(0, slash);
  return colonCount(bare) > TEXT_LIMITS.segmentChars ? bare.split('/').map(manyParts).join('/') : bare;
}

/**
 * A segment with more than `segmentChars` colons before its first `;`, as templating would store
 * it, without templating its parts one by one (40 ms for 64 KB of `a:`, ~0.6 µs a byte). Templated,
 * the parts keep their colons, so the segment is too long to keep and is stored as `{id}`; unless
 * it holds an `@`, which makes the part before `;` `{id}` whole, and the segment `{id};{id}`.
 * Both forms template to themselves.
 */
function manyParts(segment: string): string {
  const semicolon = segment.indexOf(';');
  const head = semicolon === -1 ? segment : segment.slice(0, semicolon);
  if (colonCount(head) <= TEXT_LIMITS.segmentChars) return segment;
  return semicolon !== -1 && hasAtSign(head) ? '{id};{id}' : '{id}';
}

function colonCount(text: string): number {
  let n = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) n++;
  return n;
}

function checkRoute(template: string): string {
  const path = templatePath(routePath(template.startsWith('/') ? template : `/${template}`));
  const segments = path.split('/').map((s) => (s.length > TEXT_LIMITS.segmentChars || !SEGMENT.test(s) || hidesValue(s) ? '{id}' : s));
  let route = '';
  for (let i = 1; i < segments.length; i++) {
    const next = `${route}/${segments[i]}`;
    if (next.length > TEXT_LIMITS.routeChars) return `${route}/{truncated}`;
    route = next;
  }
  return route === '' ? '/' : route;
}

const ERROR_TYPE = /^[A-Za-z0-9_.:/$-]+$/;

/**
 * `error.type` as OTel means it: a short identifier. Free text (a message, a token, an address)
 * is stored as `_OTHER`, the semantic conventions' own fallback.
 */
export function cleanErrorType(raw: string): string {
  if (raw.length > TEXT_LIMITS.errorTypeChars || !ERROR_TYPE.test(raw) || looksSensitive(raw)) return '_OTHER';
  return raw;
}

/** Characters that never belong to a stored field-path segment (quotes, escapes, markup). */
const FIELD_SEGMENT_BAD = /['"\\`<>]/;

/**
 * A field path (`customer.email`, `items[].qty`): a segment that is over-long or holds quotes,
 * backslashes, markup or control characters is a value used as a key, and becomes `{key}`; the
 * path is capped at a segment boundary.
 */
export function cleanFieldPath(path: string): string {
  let out = '';
  for (const segment of path.split('.')) {
    const bare = segment.endsWith('[]') ? segment.slice(0, -2) : segment;
    const clean = bare.length > TEXT_LIMITS.segmentChars || FIELD_SEGMENT_BAD.test(bare) || hasUnsafeChar(bare) ? `{key}${segment.endsWith('[]') ? '[]' : ''}` : segment;
    const next = out === '' ? clean : `${out}.${clean}`;
    if (next.length > TEXT_LIMITS.fieldPathChars) return `${out}.{truncated}`;
    out = next;
  }
  return out;
}
