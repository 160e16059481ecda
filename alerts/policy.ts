import type { Config } from '../common/config/index.js';
import { ownEntry } from '../common/config/own-entry.js';
import { selectRequestPiiFlows, type PiiFlow } from '../storage/alert-policy-store.js';
import type { Store } from '../storage/store.js';

/** One (vendor, route, field, PII class) the vendor's `allow_pii` does not allow. */
export interface PolicyViolation {
  vendor: string;
  route: string;
  field: string;
  pii: string;
  /** Services that sent it. */
  services: string[];
  calls: number;
  /** RFC 3339, when known. */
  lastSeen?: string | undefined;
}

/** The CI gate's answer: ok when there is nothing to list. */
export interface PolicyReport {
  ok: boolean;
  /** Epoch ms the check looked back to (store) — undefined for a spans file. */
  sinceMs?: number | undefined;
  flowsChecked: number;
  violations: PolicyViolation[];
}

/**
 * Every request PII flow whose class the vendor does not allow, merged per (vendor, route, field,
 * class). A vendor missing from config allows nothing: untagged PII is what the gate exists for.
 */
export function findViolations(flows: readonly PiiFlow[], vendors: Config['vendors']): PolicyViolation[] {
  const merged = new Map<string, PolicyViolation>();
  for (const flow of flows) {
    const allowed = ownEntry(vendors, flow.vendor)?.allow_pii ?? [];
    if ((allowed as readonly string[]).includes(flow.pii)) continue;
    const key = JSON.stringify([flow.vendor, flow.route, flow.field, flow.pii]);
    const seen = merged.get(key);
    if (seen) {
      if (!seen.services.includes(flow.service)) seen.services.push(flow.service);
      seen.calls += flow.calls;
      if (flow.lastSeen && (!seen.lastSeen || flow.lastSeen > seen.lastSeen)) seen.lastSeen = flow.lastSeen;
    } else {
      merged.set(key, { vendor: flow.vendor, route: flow.route, field: flow.field, pii: flow.pii, services: [flow.service], calls: flow.calls, lastSeen: flow.lastSeen });
    }
  }
  return [...merged.values()]
    .map((v) => ({ ...v, services: v.services.sort() }))
    .sort((a, b) => a.vendor.localeCompare(b.vendor) || a.route.localeCompare(b.route) || a.field.localeCompare(b.field) || a.pii.localeCompare(b.pii));
}

/** The gate over the store's data map since `sinceMs` (the API's `GET /api/policy?since=`). */
export async function policyViolations(store: Store, sinceMs: number, config: Pick<Config, 'vendors'>): Promise<PolicyReport> {
  const flows = await selectRequestPiiFlows(store, sinceMs);
  const violations = findViolations(flows, config.vendors);
  return { ok: violations.length === 0, sinceMs, flowsChecked: flows.length, violations };
}

/** The gate over flows read elsewhere (a recorded spans file). */
export function policyReport(flows: readonly PiiFlow[], config: Pick<Config, 'vendors'>): PolicyReport {
  const violations = findViolations(flows, config.vendors);
  return { ok: violations.length === 0, flowsChecked: flows.length, violations };
}
