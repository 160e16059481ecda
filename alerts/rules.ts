import type { AlertsConfig } from '../common/config/alerts.js';
import type { AlertKind, Severity } from '../common/types.js';
import { ownEntry } from '../common/config/own-entry.js';

/** The resolved alert rule of one (vendor, kind). */
export interface AlertRule {
  /** Consecutive steps a finding must hold before the alert fires. */
  forSteps: number;
  /** Steps without the finding before a firing alert resolves. */
  resolveAfterSteps: number;
  /** Fixed severity, or undefined to keep the finding's. */
  severity: Severity | undefined;
}

/**
 * Defaults per kind. Rate-like kinds need a few steps so that one noisy minute does not page;
 * drift, PII and new destinations are facts, not fluctuations, so they fire at once and stay
 * open for an hour of 1-minute steps after the last sighting.
 */
export const DEFAULT_RULES: Readonly<Record<AlertKind, AlertRule>> = {
  volume_spike: { forSteps: 2, resolveAfterSteps: 5, severity: undefined },
  volume_drop: { forSteps: 3, resolveAfterSteps: 5, severity: undefined },
  bytes_spike: { forSteps: 2, resolveAfterSteps: 5, severity: undefined },
  error_spike: { forSteps: 2, resolveAfterSteps: 5, severity: undefined },
  latency_spike: { forSteps: 3, resolveAfterSteps: 5, severity: undefined },
  schema_drift: { forSteps: 1, resolveAfterSteps: 60, severity: undefined },
  pii_new: { forSteps: 1, resolveAfterSteps: 60, severity: undefined },
  pii_violation: { forSteps: 1, resolveAfterSteps: 60, severity: undefined },
  new_destination: { forSteps: 1, resolveAfterSteps: 60, severity: undefined },
  // A budget hit is a fact about the pipeline, not about traffic: it stays open for an hour after
  // the last hit, so a sender that keeps inventing names is one alert, not one a minute.
  cardinality_budget: { forSteps: 1, resolveAfterSteps: 60, severity: undefined },
};

/** A rule lookup: per vendor and kind, then per kind, then the defaults above. */
export type RuleBook = (vendor: string, kind: AlertKind) => AlertRule;

/** Builds the rule lookup from the `alerts:` config. */
export function ruleBook(config: Pick<AlertsConfig, 'rules' | 'vendor_rules'>): RuleBook {
  return (vendor, kind) => {
    const base = DEFAULT_RULES[kind];
    const byKind = config.rules[kind] ?? {};
    const byVendor = ownEntry(config.vendor_rules, vendor)?.[kind] ?? {};
    return {
      forSteps: byVendor.for_steps ?? byKind.for_steps ?? base.forSteps,
      resolveAfterSteps: byVendor.resolve_after_steps ?? byKind.resolve_after_steps ?? base.resolveAfterSteps,
      severity: byVendor.severity ?? byKind.severity ?? base.severity,
    };
  };
}
