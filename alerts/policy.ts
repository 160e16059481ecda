import { classTier, isAllowed, keepsRegister, leakSeverity, registerGaps, registerGapText, type PiiPolicyConfig, type RegisterGap } from '../common/pii-policy.js';
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

/**
 * One (vendor, route, field, PII class) of personal data going to a vendor whose register entry
 * lacks a legal basis or a DPA, or that is not in the register (common/pii-policy.ts `registerGaps`).
 */
export interface RegisterGapFlow {
  vendor: string;
  route: string;
  field: string;
  pii: string;
  tier: SensitivityTier;
  /** What is missing, most basic first: not_registered, or no_legal_basis and/or no_dpa. */
  gaps: RegisterGap[];
  /** The gaps in words, naming the config key that closes each. */
  reason: string;
  services: string[];
  calls: number;
  lastSeen?: string | undefined;
}

/** The CI gate's answer: ok when there is nothing to list. */
export interface PolicyReport {
  ok: boolean;
  /** Epoch ms the check looked back to (store) — undefined for a spans file. */
  sinceMs?: number | undefined;
  flowsChecked: number;
  violations: PolicyViolation[];
  /** Personal data to vendors the register does not cover (empty while no vendor has a register entry). */
  registerGaps: RegisterGapFlow[];
  /** Whether the register rule applied: the configuration keeps a register (common/pii-policy.ts `keepsRegister`). */
  registerChecked: boolean;
}

/**
 * Every request PII flow the vendor may not receive, merged per (vendor, route, field, class).
 * `isAllowed` decides, the same predicate as the live pii_violation alert: a personal or
 * special-category class needs the vendor's `allow_pii` (a vendor missing from config allows
 * nothing: untagged PII is what the gate exists for); public and internal classes always pass.
 */
export function findViolations(flows: readonly PiiFlow[], config: PiiPolicyConfig): PolicyViolation[] {
  return mergeFlows(flows, (flow) =>
    isAllowed(flow.vendor, flow.pii, config) ? undefined : { tier: classTier(flow.pii, config), severity: leakSeverity(flow.pii, config) },
  );
}

/**
 * Every request PII flow of personal data whose vendor the register does not cover, merged per
 * (vendor, route, field, class): the gate's second rule, beside `findViolations`. A flow can be
 * in both lists (an unregistered vendor receiving an untagged class): each says what fixes it.
 */
export function findRegisterGaps(flows: readonly PiiFlow[], config: PiiPolicyConfig): RegisterGapFlow[] {
  return mergeFlows(flows, (flow) => {
    const gaps = registerGaps(flow.vendor, flow.pii, config);
    if (gaps.length === 0) return undefined;
    return { tier: classTier(flow.pii, config), gaps, reason: gaps.map((g) => registerGapText(flow.vendor, g)).join('; ') };
  });
}

/** What both rules list per flow: the flow's names, its services, calls and last sighting. */
interface MergedFlow {
  vendor: string;
  route: string;
  field: string;
  pii: string;
  services: string[];
  calls: number;
  lastSeen?: string | undefined;
}

/**
 * The flows a rule finds (`judge` returns what the rule says of a flow, or undefined to pass it),
 * merged per (vendor, route, field, class) across services, in name order. Keys are JSON arrays:
 * names from spans never meet a separator they could forge.
 */
function mergeFlows<Extra extends object>(flows: readonly PiiFlow[], judge: (flow: PiiFlow) => Extra | undefined): (MergedFlow & Extra)[] {
  const merged = new Map<string, MergedFlow & Extra>();
  for (const flow of flows) {
    const key = JSON.stringify([flow.vendor, flow.route, flow.field, flow.pii]);
    const seen = merged.get(key);
    if (seen) {
      // The verdict depends only on (vendor, class), both in the key: the first one stands.
      if (!seen.services.includes(flow.service)) seen.services.push(flow.service);
      seen.calls += flow.calls;
      if (flow.lastSeen && (!seen.lastSeen || flow.lastSeen > seen.lastSeen)) seen.lastSeen = flow.lastSeen;
      continue;
    }
    const verdict = judge(flow);
    if (!verdict) continue;
    merged.set(key, { vendor: flow.vendor, route: flow.route, field: flow.field, pii: flow.pii, ...verdict, services: [flow.service], calls: flow.calls, lastSeen: flow.lastSeen });
  }
  return [...merged.values()]
    .map((v) => ({ ...v, services: v.services.sort() }))
    .sort((a, b) => a.vendor.localeCompare(b.vendor) || a.route.localeCompare(b.route) || a.field.localeCompare(b.field) || a.pii.localeCompare(b.pii));
}

/** The gate over the store's data map since `sinceMs` (the API's `GET /api/policy?since=`). */
export async function policyViolations(store: Store, sinceMs: number, config: PiiPolicyConfig): Promise<PolicyReport> {
  const flows = await selectRequestPiiFlows(store, sinceMs);
  return { ...policyReport(flows, config), sinceMs };
}

/** The gate over flows read elsewhere (a recorded spans file), or already read from the store. */
export function policyReport(flows: readonly PiiFlow[], config: PiiPolicyConfig): PolicyReport {
  const violations = findViolations(flows, config);
  const gaps = findRegisterGaps(flows, config);
  return { ok: violations.length === 0 && gaps.length === 0, flowsChecked: flows.length, violations, registerGaps: gaps, registerChecked: keepsRegister(config) };
}
