/**
 * The data-flow diagram's graph: services on the left, vendors on the right, one edge per
 * integration labelled with the PII classes sent and their tier, coloured by risk; vendor nodes
 * carry their legal basis, DPA, owner and region. One model for every format (SVG, Mermaid, DOT),
 * so `egresswatch map` and the console draw the same picture. Node order is deterministic: a
 * barycentre sweep (Sugiyama's heuristic for two layers) puts each vendor beside the services that
 * call it, which keeps edges from crossing where it can.
 */
import type { SensitivityTier } from '../pii-tiers.js';
import type { RegisterModel } from './register-model.js';
import type { RiskBand } from './risk-score.js';

export interface MapNode {
  /** Stable id within one diagram (`s0`, `v3`): names from spans never become syntax. */
  id: string;
  kind: 'service' | 'vendor';
  name: string;
  /** Lines under the name: the tier for a service; legal basis, DPA, owner and region for a vendor. */
  details: string[];
  tier: SensitivityTier;
  risk: number;
  band: RiskBand;
  /** Vendors only: seen on the wire, absent from the register. */
  shadow: boolean;
}

export interface MapEdge {
  from: string;
  to: string;
  pii: string[];
  tier: SensitivityTier;
  calls: number;
  risk: number;
  band: RiskBand;
  /** 0–1, the risk formula's volume factor: drives the stroke width. */
  volume: number;
}

export interface FlowMap {
  /** The window drawn, RFC 3339. */
  from: string;
  to: string;
  services: MapNode[];
  vendors: MapNode[];
  edges: MapEdge[];
  /** Left out by `maxVendors`: vendors, and services that call only those. */
  omitted: { vendors: number; services: number };
}

/**
 * Vendors drawn by default. A vendor node is ~60-80 px tall, so 100 make a ~7,000 px column
 * (a scroll of the console) and an SVG of ~100-150 KB; 2,000 vendors made a 2.3 MB SVG that no
 * one reads and the console parsed on every visit.
 */
export const MAP_MAX_VENDORS = 100;

export interface FlowMapOptions {
  /**
   * Vendors drawn at most, highest risk first, then most calls in the window, then by name: a
   * rarely called vendor that receives card numbers is drawn before a busy one that receives no
   * PII. The rest are counted in `omitted`. Default MAP_MAX_VENDORS; Infinity draws all.
   */
  maxVendors?: number;
}

/** The sentence that says what a bounded map left out (empty when nothing was). */
export function omittedText(map: Pick<FlowMap, 'omitted'>): string {
  const { vendors, services } = map.omitted;
  if (vendors === 0) return '';
  const more = `and ${vendors.toLocaleString('en-US')} more vendor${vendors === 1 ? '' : 's'}`;
  const callers = services > 0 ? ` (with ${services.toLocaleString('en-US')} service${services === 1 ? ' that calls' : 's that call'} only them)` : '';
  return `${more}${callers} with lower risk or fewer calls, not drawn: egresswatch vendors --json lists every vendor`;
}

const LEGAL_BASIS_TEXT: Record<string, string> = {
  consent: 'consent',
  contract: 'contract',
  legal_obligation: 'legal obligation',
  vital_interests: 'vital interests',
  public_task: 'public task',
  legitimate_interests: 'legitimate interests',
};

/** Transfer mechanisms as a register reads them. */
export const TRANSFER_TEXT: Record<string, string> = {
  not_needed: 'no transfer',
  adequacy: 'adequacy decision',
  sccs: 'SCCs',
  bcrs: 'BCRs',
  derogation: 'Art. 49 derogation',
  none: 'transfer without mechanism',
};

/** The vendor node's lines: lawful basis and DPA, then owner and region, as far as recorded. */
function vendorDetails(register: RegisterModel['vendors'][number]): string[] {
  if (!register.registered || !register.register) return ['not in the register'];
  const r = register.register;
  const basis = r.legal_basis !== undefined ? `basis: ${LEGAL_BASIS_TEXT[String(r.legal_basis)] ?? String(r.legal_basis)}` : 'no legal basis';
  const dpa = r.dpa === 'signed' ? `DPA signed${r.dpa_signed_on !== undefined ? ` ${String(r.dpa_signed_on)}` : ''}` : r.dpa === 'not_needed' ? 'no DPA needed' : 'DPA missing';
  const lines = [`${basis} · ${dpa}`];
  const transfer = r.transfer_mechanism !== undefined ? (TRANSFER_TEXT[String(r.transfer_mechanism)] ?? String(r.transfer_mechanism)) : undefined;
  const where = [r.owner !== undefined ? `owner: ${String(r.owner)}` : undefined, r.region !== undefined ? String(r.region) : undefined, transfer].filter((x) => x !== undefined);
  if (where.length > 0) lines.push(where.join(' · '));
  return lines;
}

/** Mean position of a node's neighbours (its own index when it has none). */
function barycentre(neighbours: readonly number[], fallback: number): number {
  return neighbours.length === 0 ? fallback : neighbours.reduce((a, b) => a + b, 0) / neighbours.length;
}

/** Orders names by the barycentre of their neighbours' positions; ties by `tie`. */
function sweep(names: readonly string[], neighbours: (name: string) => string[], position: ReadonlyMap<string, number>, tie: (a: string, b: string) => number): string[] {
  const keyed = names.map((name, i) => ({ name, key: barycentre(neighbours(name).map((n) => position.get(n) ?? 0), i) }));
  return keyed.sort((a, b) => a.key - b.key || tie(a.name, b.name)).map((k) => k.name);
}

/** The diagram of a register model; `from`/`to` say what window it covers. */
export function buildFlowMap(model: RegisterModel, window: { fromMs: number; toMs: number }, options: FlowMapOptions = {}): FlowMap {
  const maxVendors = options.maxVendors ?? MAP_MAX_VENDORS;
  const allObserved = model.vendors.filter((v) => v.observed);
  const observed = allObserved.length <= maxVendors ? allObserved : [...allObserved].sort((a, b) => b.risk - a.risk || b.calls - a.calls || a.vendor.localeCompare(b.vendor)).slice(0, maxVendors);
  const vendorInfo = new Map(observed.map((v) => [v.vendor, v]));
  const integrations = observed.length === allObserved.length ? model.integrations : model.integrations.filter((i) => vendorInfo.has(i.vendor));
  const drawnServices = new Set(integrations.map((i) => i.service));
  const calling = new Set(model.integrations.map((i) => i.service));
  // A service whose every vendor was left out goes too; one with no egress at all stays.
  const serviceRisk = new Map(model.services.filter((s) => drawnServices.has(s.service) || !calling.has(s.service)).map((s) => [s.service, s]));
  const calls = (s: string): string[] => integrations.filter((i) => i.service === s).map((i) => i.vendor);
  const callers = (v: string): string[] => integrations.filter((i) => i.vendor === v).map((i) => i.service);
  const byRiskThenName = (risk: (n: string) => number) => (a: string, b: string): number => risk(b) - risk(a) || a.localeCompare(b);
  const sRisk = byRiskThenName((s) => serviceRisk.get(s)?.risk ?? 0);
  const vRisk = byRiskThenName((v) => vendorInfo.get(v)?.risk ?? 0);

  // Services by risk first; then two sweeps each way settle the layers.
  let services = [...serviceRisk.keys()].sort(sRisk);
  let vendors = observed.map((v) => v.vendor).sort(vRisk);
  const positions = (names: readonly string[]): Map<string, number> => new Map(names.map((n, i) => [n, i]));
  for (let pass = 0; pass < 2; pass++) {
    vendors = sweep(vendors, callers, positions(services), vRisk);
    services = sweep(services, calls, positions(vendors), sRisk);
  }
  vendors = sweep(vendors, callers, positions(services), vRisk);

  const serviceId = new Map(services.map((s, i) => [s, `s${i}`]));
  const vendorId = new Map(vendors.map((v, i) => [v, `v${i}`]));
  return {
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    services: services.map((s) => {
      const info = serviceRisk.get(s)!;
      return { id: serviceId.get(s)!, kind: 'service', name: s, details: [info.pii.length > 0 ? `sends ${info.tier.replace('_', ' ')} data` : 'sends no PII'], tier: info.tier, risk: info.risk, band: info.risk_band, shadow: false };
    }),
    vendors: vendors.map((v) => {
      const info = vendorInfo.get(v)!;
      return { id: vendorId.get(v)!, kind: 'vendor', name: v, details: vendorDetails(info), tier: info.tier, risk: info.risk, band: info.risk_band, shadow: info.shadow };
    }),
    edges: integrations
      .map((i) => ({ from: serviceId.get(i.service)!, to: vendorId.get(i.vendor)!, pii: i.pii, tier: i.tier, calls: i.calls, risk: i.risk, band: i.risk_band, volume: i.risk_factors.volume }))
      .filter((e) => e.from !== undefined && e.to !== undefined)
      .sort((a, b) => Number(a.from.slice(1)) - Number(b.from.slice(1)) || Number(a.to.slice(1)) - Number(b.to.slice(1))),
    omitted: { vendors: allObserved.length - observed.length, services: model.services.length - serviceRisk.size },
  };
}

/** The edge's label: the classes sent and their tier, or that none is. */
export function edgeLabel(edge: Pick<MapEdge, 'pii' | 'tier'>): string {
  return edge.pii.length === 0 ? 'no PII' : `${edge.pii.join(', ')} · ${edge.tier.replace('_', ' ')}`;
}
