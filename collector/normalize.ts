import { createHash } from 'node:crypto';
import { BoundedCache } from '../common/bounded-cache.js';
import { FIELD_TYPES } from '../common/types.js';
import { templatePath } from '@egresswatch/sdk/shared/route-template';
import { destinationVendor, honouredClaim } from '../common/destination-vendor.js';
import { parseUrl } from '@egresswatch/sdk/shared/url';
import { matchVendor, type VendorPattern } from '@egresswatch/sdk/shared/vendor-catalog';
import type { EgressSpanRow } from '../storage/span-writer.js';
import { SPAN_KIND_CLIENT, STATUS_CODE_ERROR } from './otlp-schema.js';
import type { AttrValue, Attributes, DecodedSpan } from '../common/otlp-spans.js';
import { redactAttributes, redactFieldPath } from './redact.js';
import { cleanErrorType, cleanFieldPath, cleanHost, cleanName, cleanRoute, routePath, TEXT_LIMITS } from './span-text.js';

/** What the normaliser needs from config. */
export interface NormalizeOptions {
  /** Vendors from config (explicit host patterns win over everything else). */
  configVendors: ReadonlyArray<VendorPattern>;
  /** Host patterns whose calls are internal, not egress. */
  ignoreHosts: ReadonlyArray<VendorPattern>;
  /**
   * Spans that started longer ago than this are refused (they would be dropped by the TTL, and
   * a request spread over months would touch too many partitions and fail a shared batch).
   */
  maxAgeMs: number;
}

/**
 * Durations and sizes are stored as UInt64 and handled as JS numbers: anything larger (a
 * bogus end time, a nonsense size attribute) is capped rather than allowed to fail the batch.
 */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;
const MAX_COUNT_NS = BigInt(MAX_COUNT);

function count(value: number | undefined): number {
  return value === undefined ? 0 : Math.min(MAX_COUNT, Math.max(0, Math.trunc(value)));
}

/** OTLP's invalid trace id. */
const ALL_ZERO_TRACE_ID = '0'.repeat(32);

/** Clock skew tolerated for spans from the future. */
const MAX_FUTURE_MS = 3_600_000;

/** Why a span did not become a row. `not_egress` and `ignored_host` are not errors. */
export type SkipReason = 'not_egress' | 'ignored_host';
export type RejectReason = 'invalid_ids' | 'invalid_time' | 'out_of_range' | 'no_host' | 'invalid_host';

export type NormalizeResult = { row: EgressSpanRow } | { skip: SkipReason } | { reject: RejectReason };

/**
 * Why an `egress.*.pii` entry was not stored (the span is):
 * - `invalid_class`: `path:class` whose class is not a class name (`card-number`, `e mail`, non-ASCII);
 * - `malformed`: not a string, no `path:` before the class, or one string instead of a list.
 */
export type PiiDropReason = 'invalid_class' | 'malformed';

/** PII entries dropped, per reason: the caller's tally, added to span by span. */
export type PiiDrops = Map<PiiDropReason, number>;

function addDrop(drops: PiiDrops, reason: PiiDropReason, count: number): void {
  drops.set(reason, (drops.get(reason) ?? 0) + count);
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);
const TYPE_SET = new Set<string>(FIELD_TYPES);
/** A class name in any ASCII case; stored lower-cased (see `piiClassOf`). */
const PII_CLASS_ANY_CASE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_FIELDS = 512;

function str(attrs: Attributes, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = attrs.get(key);
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  }
  return undefined;
}

function num(attrs: Attributes, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const v = attrs.get(key);
    // A bigint is an integer past 2^53: as its nearest double it fails the callers' range checks
    // (or is clamped) as such a number always has.
    const n = typeof v === 'number' ? v : typeof v === 'string' || typeof v === 'bigint' ? Number(v) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/**
 * `path:suffix` entries, validated: `suffixOf` answers the suffix to store, or undefined; the path
 * is capped and generalised where it looks personal. Anything else is dropped, never stored as
 * sent; dropped PII entries are added to `drops` per span (egresswatch_pii_entries_dropped_total).
 */
function entries(value: AttrValue | undefined, suffixOf: (suffix: string) => string | undefined, drops?: PiiDrops): readonly string[] {
  if (!Array.isArray(value)) {
    // A single string (`customer.email:email`, or a list joined by an SDK) is not the contract's string[].
    if (value !== undefined && drops && suffixOf === piiClassOf) addDrop(drops, 'malformed', 1);
    return [];
  }
  if (value.length === 0) return [];
  // Shapes repeat call after call; validate each distinct list once. The decoder hands out one
  // array per distinct list, so most lookups are by identity and need not join the list.
  let validated = validatedLists.get(value);
  if (!validated) {
    const cache = suffixOf === fieldTypeOf ? fieldCache : piiCache;
    // JSON keeps the list's boundaries: a separator character inside an entry cannot make two
    // lists share a key (one sender hiding another's `card` behind a crafted entry).
    const key = listKey(value);
    validated = cache.get(key, () => validateEntries(value, suffixOf));
    validatedLists.set(value, validated);
  }
  const dropped = drops && droppedPii.get(validated);
  if (dropped) for (const [reason, count] of dropped) addDrop(drops, reason, count);
  return validated;
}

/**
 * The list as JSON. JSON.stringify throws on a bigint (an integer past 2^53, from either
 * decoder): such lists are written with it as a number, which changes no entry's boundaries and
 * no verdict (validateEntries keeps only strings).
 */
function listKey(value: AttrValue[]): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  }
}

const fieldTypeOf = (t: string): string | undefined => (TYPE_SET.has(t) ? t : undefined);

/**
 * The class to store. DESIGN.md's contract says lowercase, but an SDK in another language that
 * writes `customer.email:EMAIL` means `email`: dropping it lost the PII alert without a trace.
 * Any ASCII case is folded, not only the built-in classes': the collector stores custom classes
 * it was never told about (pii.custom_classes lives in the config the detectors read), so folding
 * the built-ins alone would still drop `EMPLOYEE_ID` while storing `employee_id`. ASCII only:
 * toLowerCase maps other letters onto ASCII ones (the Kelvin sign K onto `k`).
 */
function piiClassOf(c: string): string | undefined {
  return PII_CLASS_ANY_CASE.test(c) ? c.toLowerCase() : undefined;
}

/**
 * Lists over 16,384 characters of JSON are validated each time, not kept: a kept list holds its
 * JSON as the key, and 10,000 distinct 1 MB lists (one a request) would hold 10 GB (measured
 * +95 MB after 80); 512 entries of a 256-character path are ~140 KB. All keys of one list cache
 * together stay under 4 M characters: 10,000 lists of 16 KB would be 160 MB of keys alone.
 */
const LIST_BOUNDS = { longestKey: 16_384, keyChars: 4_000_000 };
const fieldCache = new BoundedCache<string, readonly string[]>(10_000, LIST_BOUNDS);
const validatedLists = new WeakMap<AttrValue[], readonly string[]>();
const piiCache = new BoundedCache<string, readonly string[]>(10_000, LIST_BOUNDS);
/** Per validated PII list that dropped entries: how many, why (lists are shared, so is this). */
const droppedPii = new WeakMap<readonly string[], [PiiDropReason, number][]>();

function validateEntries(value: AttrValue[], suffixOf: (suffix: string) => string | undefined): readonly string[] {
  const out = new Set<string>();
  let invalidClass = 0;
  let malformed = 0;
  for (const item of value) {
    if (out.size >= MAX_FIELDS) break;
    const colon = typeof item === 'string' ? item.lastIndexOf(':') : -1;
    if (typeof item !== 'string' || colon <= 0) {
      malformed++;
      continue;
    }
    const suffix = suffixOf(item.slice(colon + 1));
    if (suffix === undefined) {
      invalidClass++;
      continue;
    }
    const path = redactFieldPath(cleanFieldPath(item.slice(0, colon)));
    out.add(`${path}:${suffix}`);
  }
  // Frozen: every span of this shape shares the list (the writer then encodes it once).
  const validated = Object.freeze([...out]);
  if (suffixOf === piiClassOf && invalidClass + malformed > 0) {
    const dropped: [PiiDropReason, number][] = [];
    if (invalidClass > 0) dropped.push(['invalid_class', invalidClass]);
    if (malformed > 0) dropped.push(['malformed', malformed]);
    droppedPii.set(validated, dropped);
  }
  return validated;
}

const computedHashes = new WeakMap<readonly string[], string>();

/** The shape hash of a request field list for spans that did not send one (lists are shared). */
function shapeHashOf(fields: readonly string[]): string {
  if (fields.length === 0) return '';
  let hash = computedHashes.get(fields);
  if (hash === undefined) {
    hash = createHash('sha1').update([...fields].sort().join('\n')).digest('hex').slice(0, 16);
    computedHashes.set(fields, hash);
  }
  return hash;
}

/** `vendorOf`'s answer for a host that config says is internal. */
const IGNORED = Symbol('ignored host');
const vendorCaches = new WeakMap<NormalizeOptions, BoundedCache<string, string | typeof IGNORED>>();

/**
 * The vendor of a destination, or IGNORED. Hosts repeat: each is resolved once per options
 * object. The key is unambiguous: a clean host holds no NUL, and the claim comes last.
 */
function vendorOf(host: string, port: number | undefined, sdkVendor: string | undefined, options: NormalizeOptions): string | typeof IGNORED {
  let cache = vendorCaches.get(options);
  if (!cache) vendorCaches.set(options, (cache = new BoundedCache(10_000)));
  return cache.get(`${host}\u0000${port ?? ''}\u0000${sdkVendor ?? ''}`, () => {
    if (options.ignoreHosts.length > 0 && matchVendor(host, options.ignoreHosts, port) !== undefined) return IGNORED;
    return destinationVendor(host, port, sdkVendor, options.configVendors);
  });
}

/**
 * One decoded span → one `egress_spans` row, or why not. Old and new HTTP semconv are both
 * read (stable names first).
 */
export function normalizeSpan(span: DecodedSpan, resource: Attributes, options: NormalizeOptions, nowMs = Date.now(), piiDrops?: PiiDrops): NormalizeResult {
  const a = span.attributes;
  const rawMethod = str(a, 'http.request.method', 'http.method');
  if (span.kind !== SPAN_KIND_CLIENT || rawMethod === undefined) return { skip: 'not_egress' };

  // Parsing the URL is the costliest step here and rarely needed: SDKs send server.address,
  // server.port and url.template, so it is parsed only when one of them is missing.
  const fullUrl = str(a, 'url.full', 'http.url');
  let url: URL | undefined;
  let urlParsed = false;
  const parsedUrl = (): URL | undefined => {
    if (!urlParsed) {
      url = parseUrl(fullUrl);
      urlParsed = true;
    }
    return url;
  };
  const rawHost = str(a, 'server.address', 'net.peer.name') ?? parsedUrl()?.hostname ?? str(a, 'http.host')?.replace(/:\d+$/, '');
  if (!rawHost) return { reject: 'no_host' };
  const host = cleanHost(rawHost);
  if (!host) return { reject: 'invalid_host' };
  const rawPort = num(a, 'server.port', 'net.peer.port') ?? (parsedUrl()?.port ? Number(parsedUrl()!.port) : undefined);
  const port = rawPort !== undefined && Number.isInteger(rawPort) && rawPort > 0 && rawPort < 65536 ? rawPort : undefined;
  const claim = str(a, 'egress.vendor')?.slice(0, 64);
  const vendor = vendorOf(host.ascii, port, claim, options);
  if (vendor === IGNORED) return { skip: 'ignored_host' };

  // Both decoders hand out ids as lowercase hex: what is left to check is their length.
  if (span.traceId.length !== 32 || span.spanId.length !== 16 || span.traceId === ALL_ZERO_TRACE_ID) {
    return { reject: 'invalid_ids' };
  }
  if (span.startNs <= 0n || span.endNs < span.startNs) return { reject: 'invalid_time' };
  const startMs = Number(span.startNs / 1_000_000n);
  if (startMs < nowMs - options.maxAgeMs || startMs > nowMs + MAX_FUTURE_MS) return { reject: 'out_of_range' };

  const method = rawMethod.toUpperCase();
  const template = str(a, 'url.template', 'http.route');
  const route = cleanRoute(template && template.startsWith('/') ? template : templatePath(routePath(parsedUrl()?.pathname ?? str(a, 'url.path', 'http.target') ?? '/')));

  const statusRaw = num(a, 'http.response.status_code', 'http.status_code') ?? 0;
  const statusCode = Number.isInteger(statusRaw) && statusRaw >= 0 && statusRaw < 1000 ? statusRaw : 0;
  const rawErrorType = str(a, 'error.type');
  let errorType = rawErrorType === undefined ? '' : cleanErrorType(rawErrorType);
  if (errorType === '' && span.statusCode === STATUS_CODE_ERROR && statusCode === 0) errorType = '_OTHER';

  const requestFields = entries(a.get('egress.request.fields'), fieldTypeOf);
  const sentHash = str(a, 'egress.request.shape_hash');
  const shapeHash = sentHash && /^[\w-]{1,64}$/.test(sentHash) ? sentHash : shapeHashOf(requestFields);

  const durationNs = span.endNs - span.startNs;
  return {
    row: {
      timestamp_ns: span.startNs,
      trace_id: span.traceId,
      span_id: span.spanId,
      service: cleanName(str(resource, 'service.name') ?? 'unknown_service', TEXT_LIMITS.serviceChars) || 'unknown_service',
      environment: cleanName(str(resource, 'deployment.environment.name', 'deployment.environment') ?? '', TEXT_LIMITS.environmentChars),
      vendor,
      host: host.stored,
      method: KNOWN_METHODS.has(method) ? method : '_OTHER',
      route,
      status_code: statusCode,
      error_type: errorType,
      duration_ns: durationNs > MAX_COUNT_NS ? MAX_COUNT : Number(durationNs),
      request_bytes: count(num(a, 'http.request.body.size', 'http.request_content_length')),
      response_bytes: count(num(a, 'http.response.body.size', 'http.response_content_length')),
      request_fields: requestFields,
      request_pii: entries(a.get('egress.request.pii'), piiClassOf, piiDrops),
      response_fields: entries(a.get('egress.response.fields'), fieldTypeOf),
      response_pii: entries(a.get('egress.response.pii'), piiClassOf, piiDrops),
      shape_hash: shapeHash,
      attributes: withClaim(redactAttributes(a, resource), claim, vendor, host.ascii, options),
    },
  };
}

/**
 * A claim the collector did not follow (`egress.vendor=stripe` on a host stripe's patterns do not
 * match) is kept beside the row as `egress.vendor_claim`, so the data map shows what the span
 * pretended to be; the row's vendor is what the host says.
 */
function withClaim(attributes: Record<string, string>, claim: string | undefined, vendor: string, host: string, options: NormalizeOptions): Record<string, string> {
  const id = claim?.toLowerCase();
  if (id === undefined || id === vendor || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(id)) return attributes;
  if (honouredClaim(host, id, options.configVendors) === id) return attributes;
  attributes['egress.vendor_claim'] = id;
  return attributes;
}
