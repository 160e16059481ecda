import { Counter } from 'prom-client';
import { OVER_BUDGET_NAME } from '../common/types.js';
import type { EgressSpanRow } from '../storage/span-writer.js';

/**
 * What a route or a field entry becomes once its budget is spent. The call is still stored (its
 * volume, bytes, errors and latency count), and so is every PII class it carried: only the name
 * is generalised, so a flood of made-up names can neither grow the data map without bound nor
 * push a real PII class out of it.
 */
const OVER_BUDGET = OVER_BUDGET_NAME;

/** Options of a CardinalityBudget; defaults in `budgetOptions` of the config. */
export interface CardinalityBudgetOptions {
  /** Distinct routes kept per vendor; later new routes are stored as `{over_budget}`. */
  maxRoutesPerVendor: number;
  /** Distinct field and PII entries kept per (vendor, route), both directions together. */
  maxFieldsPerRoute: number;
  /** Distinct hosts kept per vendor; later new hosts are stored as `{over_budget}`. Default 1,000. */
  maxHostsPerVendor?: number;
  /**
   * Vendors whose names are remembered, least recently seen forgotten first: memory stays bounded
   * (vendors × routes × fields) whatever is sent. A forgotten vendor starts a fresh budget.
   */
  maxTrackedVendors?: number;
}

/** Budget hits by budget (`routes`, `fields`, `hosts`). */
export const budgetHitsTotal = new Counter({
  name: 'egresswatch_cardinality_budget_hits_total',
  help: 'Spans whose route or field names were generalised to {over_budget} because a cardinality budget was spent.',
  labelNames: ['budget'] as const,
});

/** The four `path:suffix` lists of a row, each counted apart within its route's budget. */
const PARTS = ['request_fields', 'request_pii', 'response_fields', 'response_pii'] as const;

/** What of an `egress_spans` row the budget reads and may rewrite. */
export type BudgetedRow = Pick<EgressSpanRow, 'vendor' | 'host' | 'route' | (typeof PARTS)[number]>;

interface RouteState {
  entries: Set<string>;
  /** Lists already checked and entirely within the budget (the decoder shares repeated lists). */
  settled: WeakSet<readonly string[]>;
}

interface VendorState {
  routes: Map<string, RouteState>;
  /**
   * Hosts seen. A sender can name any number of hosts under one domain (`<anything>.example.com`,
   * words, so no label reads as an id): each would be a row of the rollups and a destination the
   * detectors read every step, for as long as the history lasts.
   */
  hosts: Set<string>;
}

/**
 * Caps the distinct routes per vendor and field entries per route that one collector process
 * stores. Each process counts what it has seen since it started, so with N collectors (or after a
 * restart) the store may hold up to N budgets; the point is a bound, not an exact count.
 */
export class CardinalityBudget {
  private readonly vendors = new Map<string, VendorState>();
  private readonly maxTrackedVendors: number;
  private readonly maxHostsPerVendor: number;

  constructor(private readonly options: CardinalityBudgetOptions) {
    this.maxTrackedVendors = options.maxTrackedVendors ?? 10_000;
    this.maxHostsPerVendor = options.maxHostsPerVendor ?? 1_000;
  }

  /**
   * Brings a normalised row within the budgets, in place: its host becomes OVER_BUDGET once the
   * vendor's host budget is spent, its route once the vendor's route budget is spent (the host
   * keeps its own budget apart); list entries past the route's budget become
   * `{over_budget}:suffix` (the type or PII class is kept). Runs where the rows are written, one
   * state per process, wherever the rows were decoded.
   */
  admit(row: BudgetedRow): void {
    const vendor = this.vendor(row.vendor);
    if (!vendor.hosts.has(row.host)) {
      if (vendor.hosts.size < this.maxHostsPerVendor) vendor.hosts.add(row.host);
      else {
        budgetHitsTotal.inc({ budget: 'hosts' });
        row.host = OVER_BUDGET;
      }
    }
    const routes = vendor.routes;
    let state = routes.get(row.route);
    if (!state) {
      if (routes.size >= this.options.maxRoutesPerVendor) {
        budgetHitsTotal.inc({ budget: 'routes' });
        row.route = OVER_BUDGET;
        for (const part of PARTS) row[part] = generalise(row[part]);
        return;
      }
      state = { entries: new Set(), settled: new WeakSet() };
      routes.set(row.route, state);
    }
    let hit = false;
    for (const part of PARTS) {
      const list = row[part];
      const admitted = this.entries(state, part, list);
      if (admitted !== list) {
        row[part] = admitted;
        hit = true;
      }
    }
    if (hit) budgetHitsTotal.inc({ budget: 'fields' });
  }

  private entries(state: RouteState, part: string, list: readonly string[]): readonly string[] {
    if (list.length === 0 || state.settled.has(list)) return list;
    let over = false;
    for (const entry of list) {
      const key = `${part}\u0000${entry}`;
      if (state.entries.has(key)) continue;
      if (state.entries.size < this.options.maxFieldsPerRoute) state.entries.add(key);
      else over = true;
    }
    if (!over) {
      state.settled.add(list);
      return list;
    }
    const kept = new Set<string>();
    for (const entry of list) kept.add(state.entries.has(`${part}\u0000${entry}`) ? entry : overBudget(entry));
    return Object.freeze([...kept]);
  }

  private vendor(vendor: string): VendorState {
    let state = this.vendors.get(vendor);
    if (state) {
      // Map order is insertion order: re-inserting marks the vendor as recently seen.
      this.vendors.delete(vendor);
    } else {
      state = { routes: new Map(), hosts: new Set() };
      if (this.vendors.size >= this.maxTrackedVendors) this.vendors.delete(this.vendors.keys().next().value!);
    }
    this.vendors.set(vendor, state);
    return state;
  }
}

function overBudget(entry: string): string {
  return `${OVER_BUDGET}${entry.slice(entry.lastIndexOf(':'))}`;
}

function generalise(list: readonly string[]): readonly string[] {
  return list.length === 0 ? list : Object.freeze([...new Set(list.map(overBudget))]);
}
