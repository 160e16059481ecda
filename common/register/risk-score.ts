/**
 * Risk score of an integration (service → vendor), 0–100: what to fix first. The guides this
 * product follows score sensitivity × volume × location × vendor maturity; a pure product would
 * call an EU vendor with a signed DPA receiving card numbers riskless, so sensitivity multiplies
 * and the rest add:
 *
 *     risk = round(100 × S × (0.4 + 0.2 × V + 0.2 × L + 0.2 × G))
 *
 * - S, sensitivity of the highest tier sent: public 0, internal 0.1, personal 0.6,
 *   special_category 1. No personal data, no privacy risk, however much traffic.
 * - V, volume: log10(1 + calls in the window) / 6, at most 1 (a million calls saturate).
 * - L, location: by `transfer_mechanism` — not_needed 0, adequacy 0.1, sccs or bcrs 0.4,
 *   derogation 0.7, none 1; unset: 0.8 when `region` is known, else 1 (unknown is worst).
 * - G, register gap: the share of the seven register entries missing (owner, purpose,
 *   legal_basis, a DPA that is signed or not_needed, region, transfer_mechanism, retention_days).
 *
 * So a fully registered in-region vendor scores 40–60 % of its sensitivity, an unregistered one
 * 80–100 %: cards to a vendor nobody registered land near 90, e-mail addresses to a complete
 * EU entry near 30.
 */
import type { Config } from '../config/index.js';
import type { TransferMechanism } from '../config/register.js';
import type { SensitivityTier } from '../pii-tiers.js';

export const SENSITIVITY_WEIGHT: Readonly<Record<SensitivityTier, number>> = { public: 0, internal: 0.1, personal: 0.6, special_category: 1 };
export const TRANSFER_WEIGHT: Readonly<Record<TransferMechanism, number>> = { not_needed: 0, adequacy: 0.1, sccs: 0.4, bcrs: 0.4, derogation: 0.7, none: 1 };
/** Calls at which the volume factor reaches 1. */
export const VOLUME_SATURATION_CALLS = 1_000_000;

/** Bands for colours and words: low < 25 ≤ medium < 50 ≤ high < 75 ≤ critical. */
export const RISK_BANDS = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type RiskBand = (typeof RISK_BANDS)[number];

/** What the formula reads of a vendor entry (register keys of `vendors.<id>`). */
export type RegisterEntry = Pick<Config['vendors'][string], 'owner' | 'purpose' | 'legal_basis' | 'dpa' | 'region' | 'transfer_mechanism' | 'retention_days'>;

export interface RiskFactors {
  sensitivity: number;
  volume: number;
  location: number;
  register_gap: number;
}

export interface RiskScore {
  score: number;
  band: RiskBand;
  factors: RiskFactors;
}

/** The register entries that count for completeness, and whether `entry` has each. */
export function registerChecklist(entry: RegisterEntry | undefined): Array<{ key: string; present: boolean }> {
  return [
    { key: 'owner', present: entry?.owner !== undefined },
    { key: 'purpose', present: entry?.purpose !== undefined },
    { key: 'legal_basis', present: entry?.legal_basis !== undefined },
    { key: 'dpa', present: entry?.dpa === 'signed' || entry?.dpa === 'not_needed' },
    { key: 'region', present: entry?.region !== undefined },
    { key: 'transfer_mechanism', present: entry?.transfer_mechanism !== undefined },
    { key: 'retention_days', present: entry?.retention_days !== undefined },
  ];
}

/** The formula above; `entry` undefined is a vendor missing from the register. */
export function riskScore(tier: SensitivityTier, calls: number, entry: RegisterEntry | undefined): RiskScore {
  const sensitivity = SENSITIVITY_WEIGHT[tier];
  const volume = Math.min(1, Math.log10(1 + Math.max(0, calls)) / Math.log10(VOLUME_SATURATION_CALLS));
  const location = entry?.transfer_mechanism !== undefined ? TRANSFER_WEIGHT[entry.transfer_mechanism] : entry?.region !== undefined ? 0.8 : 1;
  const checklist = registerChecklist(entry);
  const registerGap = checklist.filter((c) => !c.present).length / checklist.length;
  const score = Math.round(100 * sensitivity * (0.4 + 0.2 * volume + 0.2 * location + 0.2 * registerGap));
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return { score, band: riskBand(score), factors: { sensitivity, volume: round(volume), location, register_gap: round(registerGap) } };
}

/** The band of a score: `none` for 0 (no personal data), then quarters. */
export function riskBand(score: number): RiskBand {
  if (score <= 0) return 'none';
  if (score < 25) return 'low';
  if (score < 50) return 'medium';
  if (score < 75) return 'high';
  return 'critical';
}

/** Colours per band for the diagrams (SVG, DOT, Mermaid) and the console: grey, green, amber, orange, red. */
export const RISK_COLORS: Readonly<Record<RiskBand, string>> = { none: '#9aa3ad', low: '#2e7d32', medium: '#b58900', high: '#e65100', critical: '#c62828' };
