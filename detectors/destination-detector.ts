import type { DetectionConfig } from '../common/config/detection.js';
import { OVER_BUDGET_NAME, type Finding } from '../common/types.js';
import type { Destination } from '../common/history.js';
import { namesUpTo } from './name-list.js';
import type { Window } from './schema-detector.js';

/**
 * Hosts named in a new_destination alert. A sender can invent any number of host names under one
 * domain (`<anything>.example.com`), and every host went into the summary and the details: 2,000
 * hosts made a 73 KB summary and a 290 KB webhook body, and an alert row as large at each state change.
 */
const HOSTS_IN_SUMMARY = 5;
const HOSTS_IN_DETAILS = 20;

/**
 * new_destination: a service calling a vendor it never called before (warning), or a known vendor
 * on a host it never used from that service (info). A brand new service's first calls to vendors
 * other services already use are not news.
 *
 * Warm-up: for its first `new_destination_warmup_hours` every destination an installation sees is
 * new to it, however old the integration, so plain new hosts stay quiet. A new (service, vendor)
 * whose calls carry PII the vendor may not receive (`unallowedPii`, keyed `service\u0000vendor`:
 * the same rule as pii_violation and `policy check`) is reported at once, warm-up or not — beside
 * the pii_violation, it says the data goes somewhere this installation has not seen before.
 */
export function detectNewDestinations(
  destinations: readonly Destination[],
  installedSince: number,
  window: Window,
  config: DetectionConfig,
  unallowedPii: ReadonlyMap<string, readonly string[]> = new Map(),
): Finding[] {
  const warmedUp = installedSince <= window.from - config.new_destination_warmup_hours * 3_600_000;
  if (!warmedUp && unallowedPii.size === 0) return [];
  const isNew = (d: Destination): boolean => d.firstSeen >= window.from && d.firstSeen < window.to;
  const serviceSince = new Map<string, number>();
  const vendorKnownBefore = new Set<string>();
  const pairKnownBefore = new Set<string>();
  // Hosts per (service, vendor), gathered once: a filter per new pair was quadratic in a flood of
  // new vendors.
  const pairHosts = new Map<string, string[]>();
  for (const d of destinations) {
    const pair = `${d.service}\u0000${d.vendor}`;
    const hosts = pairHosts.get(pair);
    if (hosts) hosts.push(d.host);
    else pairHosts.set(pair, [d.host]);
    serviceSince.set(d.service, Math.min(serviceSince.get(d.service) ?? Infinity, d.firstSeen));
    if (d.firstSeen < window.from) {
      vendorKnownBefore.add(d.vendor);
      pairKnownBefore.add(`${d.service}\u0000${d.vendor}`);
    }
  }
  const watchedMinutes = Math.max(1, Math.round((window.to - installedSince) / 60_000));
  const findings: Finding[] = [];
  const reportedPairs = new Set<string>();
  for (const d of destinations) {
    if (!isNew(d)) continue;
    const pair = `${d.service}\u0000${d.vendor}`;
    const newService = (serviceSince.get(d.service) ?? 0) >= window.from;
    if (!pairKnownBefore.has(pair)) {
      if (reportedPairs.has(pair) || (newService && vendorKnownBefore.has(d.vendor))) continue;
      const pii = unallowedPii.get(pair) ?? [];
      if (!warmedUp && pii.length === 0) continue;
      reportedPairs.add(pair);
      const allHosts = pairHosts.get(pair) ?? [d.host];
      const hosts = namesUpTo(allHosts, HOSTS_IN_SUMMARY);
      const carries = pii.length > 0 ? `; its calls carry ${pii.join(', ')}, which ${d.vendor} may not receive` : '';
      findings.push({
        kind: 'new_destination',
        vendor: d.vendor,
        service: d.service,
        at: window.from,
        score: vendorKnownBefore.has(d.vendor) ? 0.6 : 0.9,
        severity: 'warning',
        summary: !warmedUp
          ? `${d.service} calls ${d.vendor} (${hosts.join(', ')})${carries}. egresswatch has watched egress for ${watchedMinutes} min only, so the integration may be older than that.`
          : vendorKnownBefore.has(d.vendor)
            ? `${d.service} started calling ${d.vendor} (${hosts.join(', ')}), which it never called before${carries}.`
            : `${d.service} started calling ${d.vendor} (${hosts.join(', ')}), a destination no service called before${carries}.`,
        details: {
          hosts: namesUpTo(allHosts, HOSTS_IN_DETAILS).join(','),
          host_count: String(allHosts.length),
          first_seen: new Date(d.firstSeen).toISOString(),
          new_vendor: String(!vendorKnownBefore.has(d.vendor)),
          pii: pii.join(','),
          during_warmup: String(!warmedUp),
        },
      });
    } else if (warmedUp && d.host !== OVER_BUDGET_NAME) {
      // A host stored as {over_budget} is not a new host: cardinality_budget says what happened.
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
