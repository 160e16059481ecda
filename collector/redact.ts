import { isIP } from 'node:net';
import { BoundedCache } from '../common/bounded-cache.js';
import { luhnValid } from '@egresswatch/sdk/shared/luhn';
import { hasUnsafeChar } from '../common/text.js';
import type { AttrValue, Attributes } from '../common/otlp-spans.js';

/**
 * What of a span's attributes may be stored. Values never leave a service (docs/ARCHITECTURE.md), but
 * spans also come from stock OTel SDKs and collectors, so the collector is the last line:
 * no header values, no query strings, no key that sounds secret, no value that looks secret
 * or personal. What is dropped is dropped whole, never masked in place.
 */

/** Attributes that become columns (or are read into them) and need not be copied. */
const COLUMN_KEYS = new Set([
  'http.request.method', 'http.method', 'url.full', 'http.url', 'http.target', 'url.path', 'url.query',
  'server.address', 'net.peer.name', 'server.port', 'net.peer.port', 'http.host',
  'http.response.status_code', 'http.status_code', 'url.template', 'http.route', 'error.type',
  'http.request.body.size', 'http.response.body.size', 'http.request_content_length', 'http.response_content_length',
]);

// process.command_args / command_line carry flags like --db-password=…; stock OTel SDKs send them.
const SECRET_KEY = /(auth|token|secret|passw|pwd|api[-_.]?key|apikey|cookie|session|signature|credential|private|bearer|email|phone|ssn|card|iban|user\.(name|id|email)|enduser|process\.(command|owner)|connection_?string|dsn)/i;
const SECRET_ASSIGNMENT = /(passw|secret|token|api[-_]?key|pwd)\w*\s*[=:]/i;
const HEADER_KEY = /^http\.(request|response)\.header\./;

// One character before the '@', not a run: the same strings match, but a run made every start
// position scan to the end of an '@'-less value (quadratic: 32 KB of 'x' took 1.8 s).
const EMAIL = /[^\s@]@[^\s@]+\.[a-z]{2,}/i;
const EMAIL_IN_PATH = /[^\s@.[\]]+(?:\.[^\s@.[\]]+)*@[^\s@[\]]+\.[a-z]{2,}/gi;
/** A `[\w-]` run (a JWT's header and payload are two, each followed by `.`). */
const WORD_RUN = /[\w-]+/g;
const JWT_PAYLOAD = /[\w-]{5,}\./y;
const BEARER = /\bbearer\s+\S+/i;
const KEY_PREFIX = /\b(sk|pk|rk)_(live|test)_\w+|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_\w{20,}|\bxox[abprs]-[\w-]+|\bAIza[\w-]{30,}|\bSG\.[\w-]{16,}\.[\w-]{16,}/;
const DIGIT_RUN = /\d[\d -]{11,22}\d/;
const URL_QUERY = /^[a-z][a-z0-9+.-]*:\/\/[^\s]*\?/i;
/** A path with a query (`/v4/x?code=…`, semconv's `url.original` may be relative). */
const PATH_QUERY = /^\/[^\s?]*\?./;
/** What follows `://` up to the `@` of a URL's userinfo. */
const USERINFO = /[^\s/?#@]*@/y;
/** A URL scheme's characters (RFC 3986), any ASCII case. */
const SCHEME_CHAR = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;

/**
 * Credentials in a URL's userinfo (`amqp://guest:pw@rabbit`, `redis://:pw@cache`), anywhere in the
 * value: what `/[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]*@/i` finds, read once. As that pattern, every
 * start in a run of scheme characters rescanned the run: 512 letters cost 0.38 ms, and a 1 MiB
 * body of such values (an array of them, or attributes that are dropped) held the event loop ~1 s.
 * Here each `://` looks back over its scheme run (which holds a letter where a scheme could
 * start) and forward to its first `/?#@` or space; runs of different `://` do not overlap.
 */
function hasUrlUserinfo(value: string): boolean {
  for (let at = value.indexOf('://'); at !== -1; at = value.indexOf('://', at + 1)) {
    let letter = false;
    for (let i = at - 1; i >= 0 && SCHEME_CHAR.test(value[i]!); i--) letter ||= LETTER.test(value[i]!);
    USERINFO.lastIndex = at + 3;
    if (letter && USERINFO.test(value)) return true;
  }
  return false;
}

/**
 * A JWT: what the pattern `eyJ[\w-]{5,}\.[\w-]{5,}\.` finds, read once. As that pattern, every `eyJ` in
 * a run rescanned the run to its end (512 characters of `eyJeyJ…` cost 0.34 ms). The first `eyJ`
 * of a run leaves the longest header, so it alone is judged: 5 or more characters after it, then
 * `.`, then a payload of 5 or more and `.`.
 */
function hasJwt(value: string): boolean {
  if (!value.includes('eyJ')) return false;
  WORD_RUN.lastIndex = 0;
  for (let run = WORD_RUN.exec(value); run !== null; run = WORD_RUN.exec(value)) {
    const end = run.index + run[0].length;
    const at = run[0].indexOf('eyJ');
    if (at === -1 || run[0].length - at - 3 < 5 || value[end] !== '.') continue;
    JWT_PAYLOAD.lastIndex = end + 1;
    if (JWT_PAYLOAD.test(value)) return true;
  }
  return false;
}

/** Whether a run of digits (spaces and dashes allowed) is a plausible, Luhn-valid card number. */
function cardLike(run: string): boolean {
  const digits = run.replace(/\D/g, '');
  return digits.length >= 12 && digits.length <= 19 && luhnValid(digits);
}

/** Whether a string value looks like a secret or like personal data. */
export function looksSensitive(value: string): boolean {
  if (value.length < 6) return false;
  if (EMAIL.test(value) || hasJwt(value) || BEARER.test(value) || KEY_PREFIX.test(value) || SECRET_ASSIGNMENT.test(value)) return true;
  const run = DIGIT_RUN.exec(value);
  if (run && cardLike(run[0])) return true;
  if (/^\d{3}-\d{2}-\d{4}$/.test(value)) return true;
  if (isIP(value) !== 0) return true;
  // Long opaque tokens (mixed case and digits, no spaces) are treated as credentials.
  if (value.length >= 32 && !/\s/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value)) return true;
  return false;
}

const MAX_VALUE_CHARS = 256;
const MAX_ATTRIBUTES = 64;

function safeValue(key: string, value: AttrValue): string | undefined {
  if (Array.isArray(value)) {
    // Elements are judged while they start inside what is stored: an element past it is never
    // stored. Judging all of them let one array of 16,000 short strings (430 KB) cost 140 ms.
    const parts: string[] = [];
    let chars = 0;
    for (const v of value) {
      if (chars >= MAX_VALUE_CHARS) break;
      const s = safeValue(key, v);
      if (s === undefined) return undefined;
      parts.push(s);
      chars += s.length + 1;
    }
    return parts.join(',').slice(0, MAX_VALUE_CHARS);
  }
  if (typeof value !== 'string') return String(value);
  return stringVerdicts.get(value, checkString);
}

/** Attribute values repeat (user agents, versions, host names): judge each distinct one once. */
const stringVerdicts = new BoundedCache<string, string | undefined>(20_000, { longestKey: MAX_VALUE_CHARS * 4, keyChars: 4_000_000 });

/**
 * Characters judged: what is stored (MAX_VALUE_CHARS) and enough after it for a secret that starts
 * inside to be seen whole. Unanchored patterns (EMAIL_IN_PATH's kin) cost the
 * square of what they read: one 64 KB attribute value held the event loop 19 s.
 */
const JUDGED_CHARS = MAX_VALUE_CHARS * 2;

function checkString(full: string): string | undefined {
  const value = full.length > JUDGED_CHARS ? full.slice(0, JUDGED_CHARS) : full;
  if (URL_QUERY.test(value) || PATH_QUERY.test(value) || hasUrlUserinfo(value) || hasUnsafeChar(value) || looksSensitive(value)) return undefined;
  return value.slice(0, MAX_VALUE_CHARS);
}

/** Attribute keys are names (`http.response.status_code`, `k8s.pod.name`), nothing else is stored. */
const ATTRIBUTE_KEY = /^[A-Za-z0-9_.\-/:@]{1,128}$/;

// Longer keys fail ATTRIBUTE_KEY and are not kept: 10,000 kept keys of 1 MB would be 10 GB.
const keyVerdicts = new BoundedCache<string, boolean>(10_000, { longestKey: 128 });
const keyAllowed = (key: string): boolean =>
  keyVerdicts.get(key, (k) => ATTRIBUTE_KEY.test(k) && !(COLUMN_KEYS.has(k) || k.startsWith('egress.') || HEADER_KEY.test(k) || SECRET_KEY.test(k)));

/** A resource is shared by every span of a request: redact it once. */
const resourceParts = new WeakMap<Attributes, [string, string][]>();

function redactResource(resource: Attributes): [string, string][] {
  let part = resourceParts.get(resource);
  if (!part) {
    part = [];
    for (const [key, value] of resource) {
      if (key === 'service.name' || key.startsWith('deployment.environment') || !keyAllowed(key)) continue;
      const safe = safeValue(key, value);
      if (safe !== undefined) part.push([`resource.${key}`, safe]);
    }
    resourceParts.set(resource, part);
  }
  return part;
}

/**
 * The attributes (span's, then resource's under `resource.`) that are safe to store. Keys come
 * from the sender: the object has no prototype, so `__proto__` is a key like any other.
 */
export function redactAttributes(span: Attributes, resource: Attributes): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  let n = 0;
  for (const [key, value] of span) {
    if (n >= MAX_ATTRIBUTES) return out;
    if (!keyAllowed(key)) continue;
    const safe = safeValue(key, value);
    if (safe === undefined) continue;
    out[key] = safe;
    n++;
  }
  for (const [key, value] of redactResource(resource)) {
    if (n++ >= MAX_ATTRIBUTES) break;
    out[key] = value;
  }
  return out;
}

/** A field path with any segment that looks personal (a map keyed by email, say) generalised. */
export function redactFieldPath(path: string): string {
  if (!looksSensitive(path)) return path;
  // An email spans '.'-separated segments, so it is replaced before the path is split.
  return path
    .replace(EMAIL_IN_PATH, '{key}')
    .split('.')
    .map((segment) => (looksSensitive(segment) || EMAIL.test(segment) ? '{key}' : segment))
    .join('.');
}
