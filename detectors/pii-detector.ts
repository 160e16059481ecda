import type { DetectionConfig } from '../common/config/detection.js';
import type { Finding } from '../common/types.js';
import type { MapField, RouteActivity } from '../common/history.js';
import { allowedClasses, classTier, hasPolicy, isAllowed, leakSeverity, type PiiPolicyConfig } from '../common/pii-policy.js';
import { namesUpTo } from './name-list.js';
import type { Window } from './schema-detector.js';

/** Field names an alert's summary lists (the rest are counted), and field and service names its details list. */
const NAMES_IN_SUMMARY = 10;
const NAMES_IN_DETAILS = 50;

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
 * Whether a class flowed in the window. firstSeen < window.to keeps a replay causal: the data map
 * is an all-time aggregate, so a class that started flowing after this step must not count at it.
 */
function flowedIn(c: { firstSeen: number; lastSeen: number }, window: Window): boolean {
  return c.firstSeen < window.to && c.lastSeen >= window.from;
}

/**
 * pii_new: a PII class first seen on a vendor + route in this window, on a vendor already known for
 * `schema_min_route_age_minutes` (what changed on an integration that existed; in a vendor's first
 * minutes everything is new, and its classes are judged by pii_violation from the first minute).
 * Critical for `special_category` classes, warning otherwise.
 *
 * pii_violation: a class sent in requests in this window that the vendor may not receive —
 * `isAllowed` (common/pii-policy.ts), the rule `policy check` applies: personal and
 * special-category classes need `vendors.<id>.allow_pii`, and a vendor with no entry allows none.
 * Responses are not judged (the vendor sent that data to us, it did not receive it), as in the
 * gate. Critical for `special_category`, warning otherwise; it keeps being reported while the
 * class keeps flowing. A class both new and not allowed on a known vendor is both: what changed
 * (resolves after an hour) and what breaks the policy (open while it flows).
 */
export function detectPii(fields: readonly MapField[], routes: readonly RouteActivity[], policy: PiiPolicyConfig, window: Window, config: DetectionConfig): Finding[] {
  const vendorSince = new Map<string, number>();
  for (const r of routes) vendorSince.set(r.vendor, Math.min(vendorSince.get(r.vendor) ?? Infinity, r.firstSeen));
  const minAge = config.schema_min_route_age_minutes * 60_000;
  const findings: Finding[] = [];
  for (const c of classesOnRoutes(fields)) {
    const known = (vendorSince.get(c.vendor) ?? Infinity) <= window.from - minAge;
    if (!known || c.firstSeen < window.from || c.firstSeen >= window.to) continue;
    findings.push(classFinding('pii_new', c, policy, window, (fieldList) => `${c.pii} data is now sent to ${c.vendor} ${c.route} (field ${fieldList}); it was not before.`, {}));
  }
  for (const c of classesOnRoutes(fields.filter((f) => f.direction === 'request'))) {
    if (!flowedIn(c, window) || isAllowed(c.vendor, c.pii, policy)) continue;
    const allowed = allowedClasses(c.vendor, policy);
    const configured = hasPolicy(c.vendor, policy);
    const summary = (fieldList: string): string =>
      configured
        ? `${c.vendor} ${c.route} receives ${c.pii} data (field ${fieldList}), which its policy does not allow (allowed: ${allowed.length ? allowed.join(', ') : 'none'}).`
        : `${c.vendor} ${c.route} receives ${c.pii} data (field ${fieldList}), and ${c.vendor} has no policy: ${classTier(c.pii, policy)} data goes only to vendors whose allow_pii lists it.`;
    findings.push(classFinding('pii_violation', c, policy, window, summary, { allowed: allowed.join(','), policy: configured ? 'vendor' : 'none' }));
  }
  return findings;
}

/**
 * One finding on a class sent on a route: critical for special-category classes, warning
 * otherwise. `summary` is given the first field names, sorted, as the text lists them: the fields
 * are sorted once here for the summary and the details.
 */
function classFinding(
  kind: 'pii_new' | 'pii_violation',
  c: ClassOnRoute,
  policy: PiiPolicyConfig,
  window: Window,
  summary: (fieldList: string) => string,
  extra: Record<string, string>,
): Finding {
  const fields = [...c.fields].sort();
  const services = [...c.services].sort();
  const severity = leakSeverity(c.pii, policy);
  return {
    kind,
    vendor: c.vendor,
    service: services.length === 1 ? services[0]! : '',
    route: c.route,
    field: fields[0],
    at: window.from,
    score: severity === 'critical' ? 1 : 0.7,
    severity,
    summary: summary(namesUpTo(fields, NAMES_IN_SUMMARY).join(', ')),
    // A sender can name any number of services and fields: details list the first 50 of each.
    details: {
      pii: c.pii,
      tier: classTier(c.pii, policy),
      fields: namesUpTo(fields, NAMES_IN_DETAILS).join(','),
      ...extra,
      services: namesUpTo(services, NAMES_IN_DETAILS).join(','),
      ...(services.length > NAMES_IN_DETAILS ? { service_count: String(services.length) } : {}),
      ...(fields.length > NAMES_IN_DETAILS ? { field_count: String(fields.length) } : {}),
    },
  };
}

/**
 * Per (service, vendor) — key `service\u0000vendor` — the request classes of this window that the
 * vendor may not receive (`isAllowed`), sorted: what makes a new destination news from the first
 * minute (detectors/destination-detector.ts).
 */
export function unallowedPiiByDestination(fields: readonly MapField[], policy: PiiPolicyConfig, window: Window): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const f of fields) {
    if (f.pii === '' || f.direction !== 'request' || !flowedIn(f, window) || isAllowed(f.vendor, f.pii, policy)) continue;
    const key = `${f.service}\u0000${f.vendor}`;
    const set = out.get(key) ?? new Set<string>();
    set.add(f.pii);
    out.set(key, set);
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}
