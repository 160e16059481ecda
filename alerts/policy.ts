import { classTier, isAllowed, leakSeverity, type PiiPolicyConfig } from '../common/pii-policy.js';
import type { SensitivityTier } from '../common/pii-tiers.js';
import type { Severity } from '../common/types.js';
import { selectRequestPiiFlows, type PiiFlow } from '../storage/alert-policy-store.js';
import type { Store } from '../storage/store.js';

/** One (vendor, route, field, PII class) the vendor's `allow_pii` does not allow. */
export interface PolicyViolation {
  vendor: string;
  route: string;
  field: string;
  pii: string;
  /** The class's sensitivity tier (common/pii-tiers.ts, `pii.tiers` in the config). */
  tier: SensitivityTier;
  /** What the live pii_violation alert for it has: critical for special_category, else warning. */
  severity: Extract<Severity, 'critical' | 'warning'>;
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
 * Every request PII flow the vendor may not receive, merged per (vendor, route, field, class).
 * `isAllowed` decides, the same predicate as the live pii_violation alert: a personal or
 * special-category class needs the vendor's `allow_pii` (a vendor missing from config allows
 * nothing: untagged PII is what the gate exists for); public and internal classes always pass.
 */
export function findViolations(flows: readonly PiiFlow[], config: PiiPolicyConfig): PolicyViolation[] {
  const merged = new Map<string, PolicyViolation>();
  for (const flow of flows) {
    if (isAllowed(flow.vendor, flow.pii, config)) continue;
    const key = JSON.stringify([flow.vendor, flow.route, flow.field, flow.pii]);
    const seen = merged.get(key);
    if (seen) {
      if (!seen.services.includes(flow.service)) seen.services.push(flow.service);
      seen.calls += flow.calls;
      if (flow.lastSeen && (!seen.lastSeen || flow.lastSeen > seen.lastSeen)) seen.lastSeen = flow.lastSeen;
    } else {
      merged.set(key, {
        vendor: flow.vendor,
        route: flow.route,
        field: flow.field,
        pii: flow.pii,
        tier: classTier(flow.pii, config),
        severity: leakSeverity(flow.pii, config),
        services: [flow.service],
        calls: flow.calls,
        lastSeen: flow.lastSeen,
      });
    }
  }
  return [...merged.values()]
    .map((v) => ({ ...v, services: v.services.sort() }))
    .sort((a, b) => a.vendor.localeCompare(b.vendor) || a.route.localeCompare(b.route) || a.field.localeCompare(b.field) || a.pii.localeCompare(b.pii));
}

/** The gate over the store's data map since `sinceMs` (the API's `GET /api/policy?since=`). */
export async function policyViolations(store: Store, sinceMs: number, config: PiiPolicyConfig): Promise<PolicyReport> {
  const flows = await selectRequestPiiFlows(store, sinceMs);
  const violations = findViolations(flows, config);
  return { ok: violations.length === 0, sinceMs, flowsChecked: flows.length, violations };
}

/** The gate over flows read elsewhere (a recorded spans file). */
export function policyReport(flows: readonly PiiFlow[], config: PiiPolicyConfig): PolicyReport {
  const violations = findViolations(flows, config);
  return { ok: violations.length === 0, flowsChecked: flows.length, violations };
}
