import { ConfigError } from './config-error.js';
import { hostPatternProblem } from './host-pattern.js';
import { checkPhoneRegions } from './phone-detector.js';
import type { EgressWatchOptions } from './start.js';

/**
 * startEgressWatch options from the standard OpenTelemetry environment variables, for
 * `node --import @egresswatch/sdk/register`:
 *
 * - `OTEL_SERVICE_NAME` (else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service:node`)
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`)
 * - `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (`k=v,k2=v2`, URL-encoded values)
 * - `OTEL_RESOURCE_ATTRIBUTES` (read by the resource detector), `deployment.environment.name` from it
 * - `OTEL_TRACES_SAMPLER` (`always_on`, `always_off`, `traceidratio`, `parentbased_*`) + `OTEL_TRACES_SAMPLER_ARG`
 *
 * and egresswatch's own, each a ConfigError naming the bad entry when malformed (read leniently, a
 * typo left the setting unset and nothing said so): `EGRESSWATCH_SHAPES=off` (or `on`),
 * `EGRESSWATCH_SHAPE_SAMPLE_EVERY=N` (shapes for 1 call in N per route),
 * `EGRESSWATCH_MAX_BODY_BYTES`, `EGRESSWATCH_IGNORE_HOSTS` (comma list of host patterns),
 * `EGRESSWATCH_VENDORS` (`vendor=host-pattern,…`, e.g. `billing=api.billing.internal:8443`),
 * `EGRESSWATCH_PHONE_REGIONS` (comma list of ISO 3166 codes, `pii.phoneRegions`).
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): EgressWatchOptions {
  const resource = parseKeyValues(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '');
  const options: EgressWatchOptions = {
    serviceName: env['OTEL_SERVICE_NAME'] || resource['service.name'] || 'unknown_service:node',
    headers: { ...parseKeyValues(env['OTEL_EXPORTER_OTLP_HEADERS'] ?? ''), ...parseKeyValues(env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] ?? '') },
    sampling: samplingFromEnv(env),
    shapes: {
      enabled: switchFromEnv(env, 'EGRESSWATCH_SHAPES'),
      sampleEvery: intFromEnv(env, 'EGRESSWATCH_SHAPE_SAMPLE_EVERY'),
      maxBodyBytes: intFromEnv(env, 'EGRESSWATCH_MAX_BODY_BYTES'),
    },
  };
  const tracesEndpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  if (tracesEndpoint) options.tracesEndpoint = tracesEndpoint;
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (endpoint) options.endpoint = endpoint;
  const environment = resource['deployment.environment.name'] ?? resource['deployment.environment'];
  if (environment) options.environment = environment;
  const ignore = env['EGRESSWATCH_IGNORE_HOSTS'];
  if (ignore) options.ignoreHosts = listFromEnv(ignore).map((host) => checkedHost('EGRESSWATCH_IGNORE_HOSTS', host, host));
  const phoneRegions = env['EGRESSWATCH_PHONE_REGIONS'];
  if (phoneRegions) options.pii = { phoneRegions: checkedRegions(listFromEnv(phoneRegions)) };
  const vendors = env['EGRESSWATCH_VENDORS'];
  if (vendors) {
    options.vendors = Object.entries(parseVendorList(vendors)).map(([vendor, hosts]) => ({ vendor, hosts }));
  }
  return options;
}

/**
 * `name=host[:port],…`, one vendor per entry (a vendor may repeat). Any malformed entry is a
 * ConfigError naming it: a list read leniently left the vendor's calls under their host name,
 * with nothing said.
 */
function parseVendorList(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const entry of listFromEnv(text)) {
    const eq = entry.indexOf('=');
    const vendor = entry.slice(0, eq).trim();
    if (eq === -1 || !VENDOR_NAME.test(vendor)) {
      throw new ConfigError(
        `EGRESSWATCH_VENDORS: entry '${entry}' is not name=host[:port] (expected e.g. 'billing=api.billing.internal:8443,billing=*.billing.internal'; a name is letters, digits, '_', '-' or '.')`,
      );
    }
    (out[vendor] ??= []).push(checkedHost('EGRESSWATCH_VENDORS', entry, entry.slice(eq + 1).trim()));
  }
  return out;
}

const VENDOR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A comma list; a trailing or doubled comma is not an entry. */
function listFromEnv(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function checkedHost(variable: string, entry: string, host: string): string {
  const problem = hostPatternProblem(host);
  if (problem) throw new ConfigError(`${variable}: entry '${entry}': host '${host}' ${problem}`);
  return host;
}

function checkedRegions(regions: string[]): string[] {
  const { unknown } = checkPhoneRegions(regions);
  if (unknown.length === 0) return regions;
  const hint = unknown.some((r) => r.toUpperCase() === 'UK') ? " — did you mean 'GB'?" : '';
  throw new ConfigError(`EGRESSWATCH_PHONE_REGIONS: unknown region ${unknown.map((r) => `'${r}'`).join(', ')}${hint} (comma list of ISO 3166 two-letter codes, like 'US,GB')`);
}

/** `on`/`true`/`1`/`yes` or `off`/`false`/`0`/`no`, any case; unset or empty is on. */
function switchFromEnv(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return true;
  const value = raw.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(`${name} must be 'on' or 'off', got '${raw}'`);
}

/** `a=1,b=x%20y` → `{ a: '1', b: 'x y' }` (the OTEL_*_HEADERS / OTEL_RESOURCE_ATTRIBUTES format). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

function samplingFromEnv(env: NodeJS.ProcessEnv): number {
  const sampler = (env['OTEL_TRACES_SAMPLER'] ?? 'parentbased_always_on').toLowerCase();
  if (sampler.endsWith('always_off')) return 0;
  if (!sampler.endsWith('traceidratio')) return 1;
  const arg = Number(env['OTEL_TRACES_SAMPLER_ARG'] ?? '1');
  if (!(arg >= 0 && arg <= 1)) throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1, got '${env['OTEL_TRACES_SAMPLER_ARG']}'`);
  return arg;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got '${raw}'`);
  return value;
}
