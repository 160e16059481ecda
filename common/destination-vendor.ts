import { isIP } from 'node:net';
import { getDomain } from 'tldts';
import { matchVendor, VENDOR_CATALOG, type VendorPattern } from '@egresswatch/sdk/shared/vendor-catalog';

/** What an SDK may send as `egress.vendor`; anything else is ignored. */
const VENDOR_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const CATALOG_IDS = new Set(VENDOR_CATALOG.map((v) => v.vendor));

/**
 * Who a destination belongs to, in the order every part of egresswatch uses: the operator's
 * config patterns, then the SDK's `egress.vendor` claim (where it may be honoured, see
 * `honouredClaim`), then the built-in catalog, then the registrable domain
 * (`api.eu.foo.co.uk` → `foo.co.uk`; IPs and odd names stay as they are).
 */
export function destinationVendor(host: string, port: number | string | undefined, sdkVendor: string | undefined, configPatterns: ReadonlyArray<VendorPattern>): string {
  return (
    matchVendor(host, configPatterns, port) ??
    honouredClaim(host, sdkVendor, configPatterns) ??
    matchVendor(host, VENDOR_CATALOG, port) ??
    registrableDomain(host)
  );
}

/**
 * The SDK's `egress.vendor`, when it may name this host. A span is written by whoever reaches the
 * collector, so a claim never lends a known vendor's policy or baselines to another host: an id
 * the config or the catalog defines applies only to hosts matching its patterns (which were
 * checked before the claim), and an id that reads as a domain only to hosts under that domain.
 * What is left are the names a service gave its own integrations (`vendors` in the SDK).
 */
export function honouredClaim(host: string, sdkVendor: string | undefined, configPatterns: ReadonlyArray<VendorPattern>): string | undefined {
  const claim = sdkVendor?.toLowerCase();
  if (claim === undefined || !VENDOR_ID.test(claim)) return undefined;
  if (CATALOG_IDS.has(claim) || configPatterns.some((p) => p.vendor === claim)) return undefined;
  if (claim.includes('.') && claim !== registrableDomain(host)) return undefined;
  return claim;
}

function registrableDomain(host: string): string {
  if (isIP(host) !== 0) return host;
  return getDomain(host, { allowPrivateDomains: false }) ?? host;
}
