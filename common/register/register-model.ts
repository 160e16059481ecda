/**
 * The privacy register as egresswatch sees it: per integration (service → vendor) what is sent,
 * its tier and risk; per vendor the register entry of the config next to what was observed, and
 * whether the vendor is a shadow integration (seen on the wire, absent from the register). Pure:
 * the console's `/api/register`, `vendors --json`, `map` and `register export` all build it here.
 */
import { REGISTER_KEYS } from '../config/register.js';
import { ownEntry } from '../config/own-entry.js';
import { classTier, isRegistered, registerGaps, type PiiPolicyConfig, type RegisterGap } from '../pii-policy.js';
import { highestTier, type SensitivityTier } from '../pii-tiers.js';
import { registerChecklist, riskBand, riskScore, type RegisterEntry, type RiskBand, type RiskFactors } from './risk-score.js';
import { sentClasses, type RouteFlow } from './route-flow.js';

/** One service → vendor integration over the window. */
export interface Integration {
  service: string;
  vendor: string;
  calls: number;
  errors: number;
  /** PII classes the service sends the vendor (requests). */
  pii: string[];
  /** Highest tier of those classes; `public` when none is above it. */
  tier: SensitivityTier;
  routes: number;
  first_seen: string;
  last_seen: string;
  risk: number;
  risk_band: RiskBand;
  risk_factors: RiskFactors;
}

/** The register keys of a vendor entry that are set (owner, purpose, legal_basis, …). */
export type RegisterFields = Partial<Record<(typeof REGISTER_KEYS)[number], string | number>>;

/** A vendor's register entry next to what was observed. */
export interface VendorRegisterView {
  vendor: string;
  /** Seen on the wire in the window. */
  observed: boolean;
  /** Its `vendors.<id>` entry sets at least one register key. */
  registered: boolean;
  /** Observed and not registered: a shadow integration. */
  shadow: boolean;
  /** The register keys that are set; null when the vendor has no register entry. */
  register: RegisterFields | null;
  /** Register entries missing for completeness (risk-score.ts checklist). */
  missing: string[];
  /** What `policy check` fails on for the personal data this vendor receives (none when it receives none). */
  gaps: RegisterGap[];
  allow_pii: string[];
  max_tier?: SensitivityTier;
  pii: string[];
  tier: SensitivityTier;
  services: string[];
  calls: number;
  /** Highest risk of its integrations. */
  risk: number;
  risk_band: RiskBand;
}

/** A service and the most sensitive data it sends anywhere. */
export interface ServiceView {
  service: string;
  vendors: string[];
  pii: string[];
  tier: SensitivityTier;
  calls: number;
  risk: number;
  risk_band: RiskBand;
}

export interface RegisterModel {
  integrations: Integration[];
  vendors: VendorRegisterView[];
  services: ServiceView[];
  /** The tier of every class seen, under this config (for views that show field tiers). */
  class_tiers: Record<string, SensitivityTier>;
}

/** The register keys `vendor` has set, or null without an entry in the register. */
export function registerFields(vendor: string, config: PiiPolicyConfig): RegisterFields | null {
  const entry = ownEntry(config.vendors, vendor);
  if (!entry || !isRegistered(vendor, config)) return null;
  const out: RegisterFields = {};
  for (const key of REGISTER_KEYS) {
    const value = entry[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The highest tier of some classes under this config. */
export function tierOfClasses(classes: Iterable<string>, config: PiiPolicyConfig): SensitivityTier {
  return highestTier([...classes].map((c) => classTier(c, config)));
}

const byRisk = <T extends { risk: number }>(key: (x: T) => string) => (a: T, b: T): number => b.risk - a.risk || key(a).localeCompare(key(b));

/** Builds the register from the window's route flows; vendors in the register without traffic are listed too. */
export function buildRegister(flows: readonly RouteFlow[], config: PiiPolicyConfig): RegisterModel {
  const integrations = new Map<string, Integration & { piiSet: Set<string> }>();
  const classes = new Set<string>();
  for (const flow of flows) {
    for (const f of flow.fields) for (const c of f.pii) classes.add(c);
    const key = JSON.stringify([flow.service, flow.vendor]);
    let it = integrations.get(key);
    if (!it) {
      it = { service: flow.service, vendor: flow.vendor, calls: 0, errors: 0, pii: [], tier: 'public', routes: 0, first_seen: flow.first_seen, last_seen: flow.last_seen, risk: 0, risk_band: 'none', risk_factors: { sensitivity: 0, volume: 0, location: 0, register_gap: 0 }, piiSet: new Set() };
      integrations.set(key, it);
    }
    it.calls += flow.calls;
    it.errors += flow.errors;
    it.routes += 1;
    for (const c of sentClasses(flow)) it.piiSet.add(c);
    if (flow.first_seen < it.first_seen) it.first_seen = flow.first_seen;
    if (flow.last_seen > it.last_seen) it.last_seen = flow.last_seen;
  }
  const list: Integration[] = [...integrations.values()].map(({ piiSet, ...it }) => {
    const pii = [...piiSet].sort();
    const tier = tierOfClasses(pii, config);
    const risk = riskScore(tier, it.calls, registerEntry(it.vendor, config));
    return { ...it, pii, tier, risk: risk.score, risk_band: risk.band, risk_factors: risk.factors };
  });
  list.sort(byRisk((i) => `${i.vendor}\u0000${i.service}`));

  const vendorNames = new Set([...list.map((i) => i.vendor), ...Object.keys(config.vendors).filter((v) => isRegistered(v, config))]);
  const vendors: VendorRegisterView[] = [...vendorNames].map((vendor) => {
    const mine = list.filter((i) => i.vendor === vendor);
    const pii = [...new Set(mine.flatMap((i) => i.pii))].sort();
    const registered = isRegistered(vendor, config);
    const entry = ownEntry(config.vendors, vendor);
    const gaps = [...new Set(pii.flatMap((c) => registerGaps(vendor, c, config)))];
    const risk = Math.max(0, ...mine.map((i) => i.risk));
    return {
      vendor,
      observed: mine.length > 0,
      registered,
      shadow: mine.length > 0 && !registered,
      register: registerFields(vendor, config),
      missing: registerChecklist(registered ? entry : undefined).filter((c) => !c.present).map((c) => c.key),
      gaps,
      allow_pii: [...(entry?.allow_pii ?? [])],
      ...(entry?.max_tier !== undefined ? { max_tier: entry.max_tier } : {}),
      pii,
      tier: tierOfClasses(pii, config),
      services: mine.map((i) => i.service).sort(),
      calls: mine.reduce((a, i) => a + i.calls, 0),
      risk,
      risk_band: riskBand(risk),
    };
  });
  vendors.sort(byRisk((v) => v.vendor));

  const services = new Map<string, ServiceView>();
  for (const i of list) {
    const s = services.get(i.service) ?? { service: i.service, vendors: [], pii: [], tier: 'public', calls: 0, risk: 0, risk_band: 'none' };
    s.vendors.push(i.vendor);
    s.pii = [...new Set([...s.pii, ...i.pii])].sort();
    s.calls += i.calls;
    s.risk = Math.max(s.risk, i.risk);
    services.set(i.service, s);
  }
  const serviceList = [...services.values()].map((s) => ({ ...s, vendors: s.vendors.sort(), tier: tierOfClasses(s.pii, config), risk_band: riskBand(s.risk) }));
  serviceList.sort(byRisk((s) => s.service));

  // fromEntries defines own properties: a class named like an Object.prototype member stays data.
  const classTiers = Object.fromEntries([...classes].sort().map((c) => [c, classTier(c, config)]));
  return { integrations: list, vendors, services: serviceList, class_tiers: classTiers };
}

/** The register entry of `vendor` for the risk formula: undefined when it is not in the register. */
export function registerEntry(vendor: string, config: PiiPolicyConfig): RegisterEntry | undefined {
  return isRegistered(vendor, config) ? ownEntry(config.vendors, vendor) : undefined;
}
