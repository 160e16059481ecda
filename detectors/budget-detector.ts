import { OVER_BUDGET_NAME, type Finding } from '../common/types.js';
import type { Destination, MapField } from '../common/history.js';
import type { Window } from './schema-detector.js';

/** Calls per vendor stored under the OVER_BUDGET route in the window. */
export interface BudgetRouteHits {
  vendor: string;
  calls: number;
}

/**
 * cardinality_budget: a collector stored a route, field or host name as `{over_budget}` in the
 * window, because the vendor sent more distinct routes or hosts, or a route more distinct fields,
 * than the budget.
 * Either a sender is inventing names (ids in field keys, random paths) or the budget is too small
 * for a real integration; the alert says which budget, and the runbook how to tell them apart.
 */
export function detectBudgetHits(routeHits: readonly BudgetRouteHits[], fields: readonly MapField[], window: Window, destinations: readonly Destination[] = []): Finding[] {
  const findings: Finding[] = [];
  const routesOver = new Set(routeHits.filter((h) => h.calls > 0).map((h) => h.vendor));
  const hostsOver = new Set(destinations.filter((d) => d.host === OVER_BUDGET_NAME && d.lastSeen >= window.from && d.firstSeen < window.to).map((d) => d.vendor));
  const fieldsOver = new Map<string, Set<string>>();
  for (const f of fields) {
    if (f.field !== OVER_BUDGET_NAME || f.route === OVER_BUDGET_NAME || f.lastSeen < window.from) continue;
    const routes = fieldsOver.get(f.vendor) ?? new Set<string>();
    routes.add(f.route);
    fieldsOver.set(f.vendor, routes);
  }
  for (const vendor of new Set([...routesOver, ...hostsOver, ...fieldsOver.keys()])) {
    const routes = [...(fieldsOver.get(vendor) ?? [])].sort();
    const parts = [
      ...(routesOver.has(vendor) ? ['more distinct routes than budgets.routes_per_vendor'] : []),
      ...(hostsOver.has(vendor) ? ['more distinct hosts than budgets.hosts_per_vendor'] : []),
      ...(routes.length > 0 ? [`more distinct fields than budgets.fields_per_route on ${routes.length} route(s)`] : []),
    ];
    findings.push({
      kind: 'cardinality_budget',
      vendor,
      service: '',
      at: window.from,
      score: 0.5,
      severity: 'warning',
      summary: `${vendor} was sent ${parts.join(' and ')}; the excess names are stored as ${OVER_BUDGET_NAME}.`,
      details: { routes_over_budget: String(routesOver.has(vendor)), hosts_over_budget: String(hostsOver.has(vendor)), field_budget_routes: routes.slice(0, 10).join(',') },
    });
  }
  return findings;
}
