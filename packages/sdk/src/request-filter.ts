import { matchVendor } from './shared/vendor-catalog.js';
import type { ResolvedCaptureSettings } from './settings.js';

/**
 * False when the port alone rules a call out (nearly all calls: no `ignoreHosts`, and a port
 * none of the ignored origins uses). Asked first, so those calls build no host string.
 */
export function mayBeIgnored(settings: ResolvedCaptureSettings, port: string): boolean {
  const filter = filterOf(settings);
  return filter.byHostAlone || filter.ports.has(port);
}

/** True for calls that must not be instrumented: the collector itself and configured hosts. */
export function isIgnoredDestination(settings: ResolvedCaptureSettings, host: string, port: string): boolean {
  const { verdicts } = filterOf(settings);
  const key = `${host}|${port}`;
  let ignored = verdicts.get(key);
  if (ignored === undefined) {
    ignored = decide(settings, host, port);
    // A service talks to a handful of destinations; bounded all the same.
    if (verdicts.size >= 1024) verdicts.clear();
    verdicts.set(key, ignored);
  }
  return ignored;
}

interface Filter {
  /** Ports of the ignored origins (the collector). */
  ports: ReadonlySet<string>;
  /** `ignoreHosts` patterns may match any port. */
  byHostAlone: boolean;
  verdicts: Map<string, boolean>;
}

const filters = new WeakMap<ResolvedCaptureSettings, Filter>();

function filterOf(settings: ResolvedCaptureSettings): Filter {
  let filter = filters.get(settings);
  if (!filter) {
    filter = {
      ports: new Set(settings.ignoreOrigins.map((origin) => origin.port ?? '')),
      byHostAlone: settings.ignorePatterns.length > 0 || settings.ignoreOrigins.some((origin) => origin.port === undefined),
      verdicts: new Map(),
    };
    filters.set(settings, filter);
  }
  return filter;
}

function decide(settings: ResolvedCaptureSettings, host: string, port: string): boolean {
  const h = canonicalHost(host);
  for (const origin of settings.ignoreOrigins) {
    if (canonicalHost(origin.host) === h && (origin.port === undefined || origin.port === port)) return true;
  }
  return settings.ignorePatterns.length > 0 && matchVendor(host.toLowerCase(), settings.ignorePatterns, port) !== undefined;
}

// The collector at 127.0.0.1 is the same destination as localhost or [::1] on the same port.
function canonicalHost(host: string): string {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h === '127.0.0.1' ? 'loopback' : h;
}
