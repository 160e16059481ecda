import type { DetectionConfig } from '../common/config/detection.js';
import type { Finding } from '../common/types.js';
import type { Destination } from '../common/history.js';
import type { Window } from './schema-detector.js';

/**
 * new_destination: a service calling a vendor it never called before (warning), or a known vendor
 * on a host it never used from that service (info). Nothing is reported until the installation has
 * seen traffic for `new_destination_warmup_hours` (at first every destination is new), and a brand
 * new service's first calls to vendors other services already use are not news.
 */
export function detectNewDestinations(destinations: readonly Destination[], installedSince: number, window: Window, config: DetectionConfig): Finding[] {
  if (!(installedSince <= window.from - config.new_destination_warmup_hours * 3_600_000)) return [];
  const isNew = (d: Destination): boolean => d.firstSeen >= window.from && d.firstSeen < window.to;
  const serviceSince = new Map<string, number>();
  const vendorKnownBefore = new Set<string>();
  const pairKnownBefore = new Set<string>();
  for (const d of destinations) {
    serviceSince.set(d.service, Math.min(serviceSince.get(d.service) ?? Infinity, d.firstSeen));
    if (d.firstSeen < window.from) {
      vendorKnownBefore.add(d.vendor);
      pairKnownBefore.add(`${d.service}\u0000${d.vendor}`);
    }
  }
  const findings: Finding[] = [];
  const reportedPairs = new Set<string>();
  for (const d of destinations) {
    if (!isNew(d)) continue;
    const pair = `${d.service}\u0000${d.vendor}`;
    const newService = (serviceSince.get(d.service) ?? 0) >= window.from;
    if (!pairKnownBefore.has(pair)) {
      if (reportedPairs.has(pair) || (newService && vendorKnownBefore.has(d.vendor))) continue;
      reportedPairs.add(pair);
      const hosts = destinations.filter((x) => x.service === d.service && x.vendor === d.vendor).map((x) => x.host);
      findings.push({
        kind: 'new_destination',
        vendor: d.vendor,
        service: d.service,
        at: window.from,
        score: vendorKnownBefore.has(d.vendor) ? 0.6 : 0.9,
        severity: 'warning',
        summary: vendorKnownBefore.has(d.vendor)
          ? `${d.service} started calling ${d.vendor} (${hosts.join(', ')}), which it never called before.`
          : `${d.service} started calling ${d.vendor} (${hosts.join(', ')}), a destination no service called before.`,
        details: { hosts: hosts.join(','), first_seen: new Date(d.firstSeen).toISOString(), new_vendor: String(!vendorKnownBefore.has(d.vendor)) },
      });
    } else {
      findings.push({
        kind: 'new_destination',
        vendor: d.vendor,
        service: d.service,
        at: window.from,
        score: 0.5,
        severity: 'info',
        summary: `${d.service} called ${d.vendor} on a new host ${d.host}.`,
        details: { host: d.host, first_seen: new Date(d.firstSeen).toISOString(), new_vendor: 'false' },
      });
    }
  }
  return findings;
}
