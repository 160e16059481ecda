import type { DetectionConfig } from '../common/config/detection.js';
import type { Finding } from '../common/types.js';
import type { MapField, RouteActivity } from '../common/history.js';
import type { Window } from './schema-detector.js';

/** Classes whose appearance is critical rather than a warning. */
const CRITICAL_CLASSES = new Set(['card', 'iban', 'ssn', 'password', 'api_key', 'bearer_token', 'jwt']);

/** A vendor's PII policy: the classes it may receive. Vendors without a policy are not judged. */
export type PiiPolicies = ReadonlyMap<string, readonly string[]>;

interface ClassOnRoute {
  vendor: string;
  route: string;
  pii: string;
  firstSeen: number;
  lastSeen: number;
  fields: Set<string>;
  services: Set<string>;
}

function classesOnRoutes(fields: readonly MapField[]): ClassOnRoute[] {
  const out = new Map<string, ClassOnRoute>();
  for (const f of fields) {
    if (f.pii === '') continue;
    const key = `${f.vendor}\u0000${f.route}\u0000${f.pii}`;
    const c = out.get(key);
    const label = `${f.direction === 'response' ? 'response ' : ''}${f.field}`;
    if (c) {
      c.firstSeen = Math.min(c.firstSeen, f.firstSeen);
      c.lastSeen = Math.max(c.lastSeen, f.lastSeen);
      c.fields.add(label);
      c.services.add(f.service);
    } else out.set(key, { vendor: f.vendor, route: f.route, pii: f.pii, firstSeen: f.firstSeen, lastSeen: f.lastSeen, fields: new Set([label]), services: new Set([f.service]) });
  }
  return [...out.values()];
}

/**
 * pii_new: a PII class first seen on a vendor + route in this window, on a vendor already known for
 * `schema_min_route_age_minutes` (in an installation's first minutes everything is new).
 * pii_violation: a class seen in this window that the vendor's policy (`vendors.<id>.allow_pii`)
 * does not allow; it keeps being reported while the class keeps flowing.
 */
export function detectPii(fields: readonly MapField[], routes: readonly RouteActivity[], policies: PiiPolicies, window: Window, config: DetectionConfig): Finding[] {
  const vendorSince = new Map<string, number>();
  for (const r of routes) vendorSince.set(r.vendor, Math.min(vendorSince.get(r.vendor) ?? Infinity, r.firstSeen));
  const minAge = config.schema_min_route_age_minutes * 60_000;
  const findings: Finding[] = [];
  for (const c of classesOnRoutes(fields)) {
    const fieldList = [...c.fields].sort();
    const services = [...c.services].sort();
    const service = services.length === 1 ? services[0]! : '';
    const known = (vendorSince.get(c.vendor) ?? Infinity) <= window.from - minAge;
    if (known && c.firstSeen >= window.from && c.firstSeen < window.to) {
      findings.push({
        kind: 'pii_new',
        vendor: c.vendor,
        service,
        route: c.route,
        field: fieldList[0],
        at: window.from,
        score: CRITICAL_CLASSES.has(c.pii) ? 1 : 0.7,
        severity: CRITICAL_CLASSES.has(c.pii) ? 'critical' : 'warning',
        summary: `${c.pii} data is now sent to ${c.vendor} ${c.route} (field ${fieldList.join(', ')}); it was not before.`,
        details: { pii: c.pii, fields: fieldList.join(','), services: services.join(',') },
      });
    }
    const allowed = policies.get(c.vendor);
    // firstSeen < window.to keeps a replay causal: the data map is an all-time aggregate, so a
    // class that started flowing after this step must not be reported at it.
    if (allowed && !allowed.includes(c.pii) && c.firstSeen < window.to && c.lastSeen >= window.from) {
      findings.push({
        kind: 'pii_violation',
        vendor: c.vendor,
        service,
        route: c.route,
        field: fieldList[0],
        at: window.from,
        score: 1,
        severity: 'critical',
        summary: `${c.vendor} ${c.route} receives ${c.pii} data (field ${fieldList.join(', ')}), which its policy does not allow (allowed: ${allowed.length ? allowed.join(', ') : 'none'}).`,
        details: { pii: c.pii, fields: fieldList.join(','), allowed: allowed.join(','), services: services.join(',') },
      });
    }
  }
  return findings;
}
