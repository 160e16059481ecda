import { isIP } from 'node:net';
import { getDomain } from 'tldts';
import { matchVendor, VENDOR_CATALOG, type VendorPattern } from './vendor-catalog.js';

/** What an SDK may send as `egress.vendor`; anything else is ignored. */
const VENDOR_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Who a destination belongs to, in the order every part of egresswatch uses: the operator's
 * config patterns, then the SDK's `egress.vendor`, then the built-in catalog, then the
 * registrable domain (`api.eu.foo.co.uk` → `foo.co.uk`; IPs and odd names stay as they are).
 */
export function destinationVendor(host: string, port: number | string | undefined, sdkVendor: string | undefined, configPatterns: ReadonlyArray<VendorPattern>): string {
  const fromSdk = sdkVendor?.toLowerCase();
  return (
    matchVendor(host, configPatterns, port) ??
    (fromSdk && VENDOR_ID.test(fromSdk) ? fromSdk : undefined) ??
    matchVendor(host, VENDOR_CATALOG, port) ??
    registrableDomain(host)
  );
}

function registrableDomain(host: string): string {
  if (isIP(host) !== 0) return host;
  return getDomain(host, { allowPrivateDomains: false }) ?? host;
}
