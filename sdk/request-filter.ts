import { matchVendor } from '../common/vendor-catalog.js';
import type { ResolvedCaptureSettings } from './settings.js';

/** True for calls that must not be instrumented: the collector itself and configured hosts. */
export function isIgnoredDestination(settings: ResolvedCaptureSettings, host: string, port: string | undefined): boolean {
  // Asked before every call, and a service talks to a handful of destinations.
  let memo = verdicts.get(settings);
  if (!memo) verdicts.set(settings, (memo = new Map()));
  const key = `${host}|${port ?? ''}`;
  let ignored = memo.get(key);
  if (ignored === undefined) {
    ignored = decide(settings, host, port);
    if (memo.size >= 1024) memo.clear();
    memo.set(key, ignored);
  }
  return ignored;
}

const verdicts = new WeakMap<ResolvedCaptureSettings, Map<string, boolean>>();

function decide(settings: ResolvedCaptureSettings, host: string, port: string | undefined): boolean {
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
