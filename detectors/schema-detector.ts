import type { DetectionConfig } from '../common/config/detection.js';
import { OVER_BUDGET_NAME, type Finding } from '../common/types.js';
import type { MapField, RouteActivity } from '../common/history.js';
import { namesUpTo } from './name-list.js';

/** The window being evaluated: [from, to) in epoch ms. */
export interface Window {
  from: number;
  to: number;
}

/** Calls a route must have had without a field before that field counts as removed. */
const MIN_CALLS_FOR_REMOVED = 20;
/** Calls a field must have had to be part of the learned shape (a one-off optional field is not). */
const MIN_FIELD_CALLS = 10;

interface PathInfo {
  vendor: string;
  route: string;
  direction: string;
  field: string;
  types: Map<string, { firstSeen: number; lastSeen: number; calls: number }>;
  services: Set<string>;
  newServices: Set<string>;
  pii: Set<string>;
}

function groupPaths(fields: readonly MapField[], window: Window): Map<string, PathInfo> {
  const paths = new Map<string, PathInfo>();
  for (const f of fields) {
    const key = `${f.vendor}\u0000${f.route}\u0000${f.direction}\u0000${f.field}`;
    let p = paths.get(key);
    if (!p) {
      p = { vendor: f.vendor, route: f.route, direction: f.direction, field: f.field, types: new Map(), services: new Set(), newServices: new Set(), pii: new Set() };
      paths.set(key, p);
    }
    p.services.add(f.service);
    if (f.firstSeen >= window.from && f.firstSeen < window.to) p.newServices.add(f.service);
    if (f.pii !== '') p.pii.add(f.pii);
    if (f.type === '') continue;
    const t = p.types.get(f.type);
    if (t) {
      t.firstSeen = Math.min(t.firstSeen, f.firstSeen);
      t.lastSeen = Math.max(t.lastSeen, f.lastSeen);
      t.calls += f.calls;
    } else p.types.set(f.type, { firstSeen: f.firstSeen, lastSeen: f.lastSeen, calls: f.calls });
  }
  return paths;
}

/**
 * Field names one schema_drift alert lists, in its summary and in each detail: up to the route's
 * field budget (1,000 entries of up to 256 chars) were listed, twice: 1,000 made-up names made a
 * 73 KB summary and a 291 KB webhook body.
 */
const FIELDS_IN_SUMMARY = 10;
const FIELDS_IN_DETAILS = 50;

/**
 * schema_drift: field paths added, removed or changing type on a vendor + route, against the
 * learned data map. One finding per route and window, with the diff in `details`. Routes younger
 * than `schema_min_route_age_minutes` are still being learned, so their fields are not drift;
 * fields sent for less than `schema_field_min_age_minutes` were never part of the learned shape,
 * so their going is not drift either.
 */
export function detectSchemaDrift(fields: readonly MapField[], routes: readonly RouteActivity[], window: Window, config: DetectionConfig): Finding[] {
  const routeInfo = new Map(routes.map((r) => [`${r.vendor}\u0000${r.route}`, r]));
  const minAge = config.schema_min_route_age_minutes * 60_000;
  const removedAfter = config.schema_removed_after_minutes * 60_000;
  const fieldMinAge = config.schema_field_min_age_minutes * 60_000;
  const diffs = new Map<string, { vendor: string; route: string; added: string[]; removed: string[]; changed: string[]; services: Set<string> }>();
  const diffFor = (p: PathInfo) => {
    const key = `${p.vendor}\u0000${p.route}`;
    let d = diffs.get(key);
    if (!d) diffs.set(key, (d = { vendor: p.vendor, route: p.route, added: [], removed: [], changed: [], services: new Set() }));
    return d;
  };
  for (const p of groupPaths(fields, window).values()) {
    // Names past a cardinality budget are the budget alert's news, not a schema change.
    if (p.field === OVER_BUDGET_NAME || p.route === OVER_BUDGET_NAME) continue;
    const route = routeInfo.get(`${p.vendor}\u0000${p.route}`);
    if (!route || route.firstSeen > window.from - minAge) continue;
    const types = [...p.types.entries()];
    if (types.length === 0) continue;
    const old = types.filter(([, t]) => t.firstSeen < window.from);
    const fresh = types.filter(([, t]) => t.firstSeen >= window.from && t.firstSeen < window.to);
    const label = `${p.direction === 'response' ? 'response ' : ''}${p.field}`;
    // A new field carrying a PII class is reported once, by pii_new, not twice.
    if (fresh.length > 0 && old.length === 0 && p.pii.size === 0) {
      diffFor(p).added.push(`${label}:${fresh.map(([type]) => type).join('|')}`);
      for (const s of p.newServices) diffFor(p).services.add(s);
    } else if (fresh.length > 0 && old.length > 0) {
      diffFor(p).changed.push(`${label}:${old.map(([type]) => type).join('|')}→${fresh.map(([type]) => type).join('|')}`);
      for (const s of p.newServices) diffFor(p).services.add(s);
    }
    const lastSeen = Math.max(...types.map(([, t]) => t.lastSeen));
    const firstSeen = Math.min(...types.map(([, t]) => t.firstSeen));
    const calls = types.reduce((n, [, t]) => n + t.calls, 0);
    // Reported once: in the window where the field's absence crosses the horizon. Only a field
    // that was part of the usual payload (sent for `schema_field_min_age_minutes`) is news when it
    // goes: one that came and went within a day (a field an incident added, then its fix removed)
    // was reported once, when it came, and its going ends that change.
    if (
      calls >= MIN_FIELD_CALLS &&
      lastSeen - firstSeen >= fieldMinAge &&
      lastSeen >= window.from - removedAfter &&
      lastSeen < window.to - removedAfter &&
      route.recentCalls >= MIN_CALLS_FOR_REMOVED
    ) {
      diffFor(p).removed.push(label);
    }
  }
  const findings: Finding[] = [];
  const inSummary = (names: string[]): string => namesUpTo(names, FIELDS_IN_SUMMARY).join(', ');
  const inDetails = (names: string[]): string => namesUpTo(names, FIELDS_IN_DETAILS).join(',');
  for (const d of diffs.values()) {
    const parts = [
      d.added.length ? `new field${d.added.length > 1 ? 's' : ''} ${inSummary(d.added)}` : '',
      d.changed.length ? `type change${d.changed.length > 1 ? 's' : ''} ${inSummary(d.changed)}` : '',
      d.removed.length ? `field${d.removed.length > 1 ? 's' : ''} no longer sent ${inSummary(d.removed)}` : '',
    ].filter(Boolean);
    const services = [...d.services];
    findings.push({
      kind: 'schema_drift',
      vendor: d.vendor,
      service: services.length === 1 ? services[0]! : '',
      route: d.route,
      at: window.from,
      score: Math.min(1, 0.5 + 0.1 * (d.added.length + d.changed.length * 2 + d.removed.length)),
      severity: d.changed.length > 0 || d.removed.length > 0 ? 'warning' : 'info',
      summary: `Payload of ${d.vendor} ${d.route} changed: ${parts.join('; ')}.`,
      details: { added: inDetails(d.added), removed: inDetails(d.removed), type_changed: inDetails(d.changed), services: inDetails(services) },
    });
  }
  return findings;
}
