import { ConfigError } from './config-error.js';
import { hostPatternProblem } from './host-pattern.js';
import { VENDOR_CATALOG, type VendorPattern } from './shared/vendor-catalog.js';
import type { ClassifierOptions, CustomPiiClass } from './pii-classifier.js';
import { checkPhoneRegions, DEFAULT_PHONE_REGIONS } from './phone-detector.js';
import type { ShapeLimits } from './body-shape.js';

/** Body shape capture. */
export interface ShapeOptions {
  /** Capture request/response shapes at all. Default true. */
  enabled?: boolean;
  /** Shapes for 1 call in N per (method, host, route); the first call of a route always. Default 1 (every call). */
  sampleEvery?: number;
  /** Bytes of each body kept for inspection; the rest only counts toward the body size. Default 65536. */
  maxBodyBytes?: number;
  /** Distinct `path:type` entries per body. Default 256. */
  maxFields?: number;
  /** Nesting depth walked. Default 16. */
  maxDepth?: number;
}

/** PII classification. */
export interface PiiOptions {
  /** Matches below this confidence are not reported. Default 0.5. */
  minConfidence?: number;
  /**
   * Regions (ISO 3166 codes) whose national phone numbers, written without `+`, are recognised;
   * numbers with `+` are recognised whatever the region. Each region widens what counts, so list
   * those your users call from; `[]` keeps only international numbers. Default US, GB, DE, FR,
   * IN, JP, CN, IL, BR, AU.
   */
  phoneRegions?: string[];
  /** @deprecated One region, the same as `phoneRegions: [region]`; `phoneRegions` wins. */
  defaultPhoneCountry?: string;
  /** Extra classes, matched by regex, function or field name. Default none. */
  customClasses?: CustomPiiClass[];
}

/** What the egress hooks and span processor need (no exporter, no service identity). */
export interface EgressCaptureOptions {
  /**
   * The collector's base URL or OTLP traces URL. Calls to its origin are never instrumented,
   * so exporting spans cannot produce more spans. Default none.
   */
  collectorUrl?: string;
  /** More hosts (`host`, `host:port`, `*.suffix`) never to instrument. Default none. */
  ignoreHosts?: string[];
  shapes?: ShapeOptions;
  pii?: PiiOptions;
  /** Vendor patterns checked before the built-in catalog. Default none. */
  vendors?: VendorPattern[];
}

export interface ResolvedCaptureSettings {
  ignoreOrigins: ReadonlyArray<{ host: string; port: string | undefined }>;
  ignorePatterns: ReadonlyArray<VendorPattern>;
  shapesEnabled: boolean;
  sampleEvery: number;
  maxBodyBytes: number;
  limits: ShapeLimits;
  classifier: ClassifierOptions;
  vendors: ReadonlyArray<VendorPattern>;
}

/** All capture defaults, resolved and range-checked in one place. */
export function resolveCaptureSettings(options: EgressCaptureOptions = {}): ResolvedCaptureSettings {
  const shapes = options.shapes ?? {};
  const pii = options.pii ?? {};
  const ignoreOrigins: Array<{ host: string; port: string | undefined }> = [];
  if (options.collectorUrl) {
    const url = new URL(options.collectorUrl);
    ignoreOrigins.push({ host: url.hostname.toLowerCase(), port: url.port || (url.protocol === 'https:' ? '443' : '80') });
  }
  return {
    ignoreOrigins,
    ignorePatterns: options.ignoreHosts?.length ? [{ vendor: 'ignored', hosts: options.ignoreHosts.map((h) => hostPattern('ignoreHosts', h)) }] : [],
    shapesEnabled: shapes.enabled ?? true,
    sampleEvery: positiveInt('shapes.sampleEvery', shapes.sampleEvery ?? 1),
    maxBodyBytes: positiveInt('shapes.maxBodyBytes', shapes.maxBodyBytes ?? 64 * 1024),
    limits: {
      maxFields: positiveInt('shapes.maxFields', shapes.maxFields ?? 256),
      maxDepth: positiveInt('shapes.maxDepth', shapes.maxDepth ?? 16),
    },
    classifier: {
      minConfidence: ratio('pii.minConfidence', pii.minConfidence ?? 0.5),
      phoneRegions: resolvePhoneRegions(pii),
      custom: (pii.customClasses ?? []).map((c) => {
        if (!/^[a-z][a-z0-9_]{0,63}$/.test(c.name)) {
          throw new ConfigError(`pii.customClasses: class name '${c.name}' must be lowercase letters, digits and '_' (like 'employee_id')`);
        }
        return c;
      }),
    },
    vendors: [...(options.vendors ?? []).map((v) => ({ vendor: v.vendor, hosts: v.hosts.map((h) => hostPattern(`vendors '${v.vendor}'`, h)) })), ...VENDOR_CATALOG],
  };
}

function resolvePhoneRegions(pii: PiiOptions): ReadonlyArray<string> {
  const requested = pii.phoneRegions ?? (pii.defaultPhoneCountry === undefined ? undefined : [pii.defaultPhoneCountry]);
  if (requested === undefined) return DEFAULT_PHONE_REGIONS;
  const { known, unknown } = checkPhoneRegions(requested);
  if (unknown.length > 0) {
    const hint = unknown.some((r) => r.trim().toUpperCase() === 'UK') ? " — did you mean 'GB'?" : '';
    throw new ConfigError(`pii.phoneRegions: unknown region ${unknown.map((r) => `'${r}'`).join(', ')}${hint} (ISO 3166 two-letter codes, like 'US' or 'GB')`);
  }
  return known;
}

/** A pattern that is not a host would match no call and do nothing, unsaid. */
function hostPattern(option: string, pattern: string): string {
  const problem = hostPatternProblem(pattern);
  if (problem) throw new ConfigError(`${option}: host '${pattern}' ${problem}`);
  return pattern;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function ratio(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new ConfigError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}
