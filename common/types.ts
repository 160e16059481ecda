/**
 * Small shared types: the contracts of docs/ARCHITECTURE.md that more than one stage speaks.
 * Nothing here does I/O.
 */

// The wire contract's field types and PII classes belong to the SDK, which sends them; the server
// reads them from there and keeps the names the rest of it imports.
export { FIELD_TYPES, PII_CLASSES, isPiiClass } from '@egresswatch/sdk/shared/wire-contract';
export type { FieldType, PiiClass } from '@egresswatch/sdk/shared/wire-contract';

export const ALERT_KINDS = [
  'volume_spike',
  'volume_drop',
  'bytes_spike',
  'error_spike',
  'latency_spike',
  'schema_drift',
  'pii_new',
  'pii_violation',
  'new_destination',
  'cardinality_budget',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * The stored name of a route or field past its cardinality budget (`budgets:` in the config):
 * the call and its PII classes are kept, its made-up name is not.
 */
export const OVER_BUDGET_NAME = '{over_budget}';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type AlertStatus = 'firing' | 'resolved';

/** The alert object of docs/ARCHITECTURE.md: JSON output, webhook payload, `alerts` table. */
export interface Alert {
  fingerprint: string;
  kind: AlertKind;
  severity: Severity;
  status: AlertStatus;
  vendor: string;
  service: string;
  route?: string;
  field?: string;
  /** RFC 3339. */
  startsAt: string;
  /** RFC 3339; set once resolved. */
  endsAt?: string;
  summary: string;
  value?: number;
  expected?: number;
  runbook_url: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A detector's output before the alert rules decide whether it becomes an alert. */
export interface Finding {
  kind: AlertKind;
  vendor: string;
  /** '' when the finding is about the vendor as a whole. */
  service: string;
  route?: string;
  field?: string;
  /** The minute (epoch ms, start of minute) the finding is about. */
  at: number;
  value?: number;
  expected?: number;
  /** How anomalous, in [0, 1]. */
  score: number;
  severity: Severity;
  /** One human sentence; never contains request values. */
  summary: string;
  /** Extra machine-readable detail (e.g. the field diff for schema drift). */
  details?: Record<string, string>;
  /**
   * Not news on its own: the condition behind an open alert of this fingerprint still holds
   * (e.g. a series that dropped gets no call at all). Keeps a firing alert from resolving;
   * never opens, counts towards or changes an alert (alerts/lifecycle.ts).
   */
  sustain?: boolean;
}

/** One row of `egress_minute` as detectors see it (merged over host/method/route unless stated). */
export interface MinuteRollup {
  /** Start of minute, epoch ms (UTC). */
  minute: number;
  vendor: string;
  service: string;
  calls: number;
  errors: number;
  requestBytes: number;
  responseBytes: number;
  /** p95 of duration in milliseconds; NaN when there were no calls. */
  latencyP95Ms: number;
}

