import type { MapField, RouteActivity } from '../common/history.js';
import { OVER_BUDGET_NAME } from '../common/types.js';
import type { RouteMinute } from '../storage/detection-queries.js';
import type { BudgetRouteHits } from './budget-detector.js';

/**
 * Route activity and budget hits from the data map and the route minutes (read incrementally,
 * minute-window-cache.ts). They were two reads of their own each cycle: a join of the data map
 * with a 60-minute scan of the rollups, and a scan of the evaluated minute for `{over_budget}`.
 * Pure: the same figures as those reads, from rows already in memory.
 */

/** Per vendor + route of the data map: first seen (the earliest of its fields) and calls in [from, to). */
export function routeActivity(fields: readonly MapField[], minutes: readonly RouteMinute[], from: number, to: number): RouteActivity[] {
  const byVendor = new Map<string, Map<string, RouteActivity>>();
  for (const f of fields) {
    let routes = byVendor.get(f.vendor);
    if (!routes) byVendor.set(f.vendor, (routes = new Map()));
    const r = routes.get(f.route);
    if (r) r.firstSeen = Math.min(r.firstSeen, f.firstSeen);
    else routes.set(f.route, { vendor: f.vendor, route: f.route, firstSeen: f.firstSeen, recentCalls: 0 });
  }
  for (const m of minutes) {
    if (m.minute < from || m.minute >= to) continue;
    const r = byVendor.get(m.vendor)?.get(m.route);
    if (r) r.recentCalls += m.calls;
  }
  const out: RouteActivity[] = [];
  for (const routes of byVendor.values()) out.push(...routes.values());
  return out;
}

/** Calls per vendor stored under the `{over_budget}` route (cardinality budget) in [from, to). */
export function budgetRouteHits(minutes: readonly RouteMinute[], from: number, to: number): BudgetRouteHits[] {
  const calls = new Map<string, number>();
  for (const m of minutes) {
    if (m.route !== OVER_BUDGET_NAME || m.minute < from || m.minute >= to) continue;
    calls.set(m.vendor, (calls.get(m.vendor) ?? 0) + m.calls);
  }
  return [...calls].map(([vendor, n]) => ({ vendor, calls: n }));
}
