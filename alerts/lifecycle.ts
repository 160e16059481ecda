import type { Alert, AlertKind, Finding, Severity } from '../common/types.js';
import { alertFingerprint } from './fingerprint.js';
import type { AlertLinks } from './links.js';
import type { RuleBook } from './rules.js';

/** One open alert between steps: pending (counting steps) or firing (counting quiet steps). */
export interface AlertState {
  fingerprint: string;
  kind: AlertKind;
  vendor: string;
  service: string;
  route?: string | undefined;
  field?: string | undefined;
  phase: 'pending' | 'firing';
  /** Consecutive steps with the finding (pending) — counts up to the rule's `forSteps`. */
  heldSteps: number;
  /** Consecutive steps without the finding (firing) — resolves at `resolveAfterSteps`. */
  quietSteps: number;
  /** Epoch ms: `at` of the first finding of this run. */
  startsAtMs: number;
  /** Epoch ms of the step that last notified firing (for repeat_interval). */
  lastNotifiedMs: number;
  /** Severity last notified; a rise is notified again. */
  notifiedSeverity: Severity | undefined;
  severity: Severity;
  summary: string;
  value?: number | undefined;
  expected?: number | undefined;
  details?: Record<string, string> | undefined;
}

/** Open alerts by fingerprint. Plain data: JSON-serialisable, rebuilt from the store on start. */
export type AlertStates = Readonly<Record<string, AlertState>>;

/** What `advance` needs besides the findings. */
export interface LifecycleOptions {
  rules: RuleBook;
  links: AlertLinks;
  /** A firing alert is notified again after this long. */
  repeatIntervalMs: number;
}

export interface AdvanceResult {
  states: AlertStates;
  /** Alerts whose notified state changed this step: fired, resolved, repeated or escalated. */
  transitions: Alert[];
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * One step of the alert state machine, pure: pending → firing after `forSteps` consecutive steps
 * with a finding; firing → resolved after `resolveAfterSteps` steps without one. Call once per
 * step with every finding of that step; `stepEndMs` is the step's end (epoch ms). `vendors`
 * scopes the step to the vendors evaluated (a per-vendor job): states of other vendors are kept
 * as they are instead of counting a quiet step.
 *
 * A `sustain` finding is not a finding here: it only stops a firing alert of its fingerprint from
 * counting a quiet step. A detector may stop reporting a condition that still holds (a volume_drop
 * to zero calls stops being news once the expected volume falls under the detector's minimum
 * change, or its baseline follows the zeros); the alert must not resolve while it still holds.
 */
export function advance(
  states: AlertStates,
  findings: readonly Finding[],
  stepEndMs: number,
  options: LifecycleOptions,
  vendors?: readonly string[],
): AdvanceResult {
  const strongest = new Map<string, Finding>();
  const sustained = new Set<string>();
  for (const f of findings) {
    const fp = alertFingerprint(f);
    if (f.sustain) {
      sustained.add(fp);
      continue;
    }
    const seen = strongest.get(fp);
    if (!seen || f.score > seen.score || (f.score === seen.score && SEVERITY_RANK[f.severity] > SEVERITY_RANK[seen.severity])) strongest.set(fp, f);
  }
  const next: Record<string, AlertState> = {};
  const transitions: Alert[] = [];

  for (const [fp, finding] of strongest) {
    const rule = options.rules(finding.vendor, finding.kind);
    const prev = states[fp];
    const state: AlertState = {
      fingerprint: fp,
      kind: finding.kind,
      vendor: finding.vendor,
      service: finding.service,
      route: finding.route,
      field: finding.field,
      phase: prev?.phase ?? 'pending',
      heldSteps: (prev?.heldSteps ?? 0) + 1,
      quietSteps: 0,
      startsAtMs: prev ? Math.min(prev.startsAtMs, finding.at) : finding.at,
      lastNotifiedMs: prev?.lastNotifiedMs ?? 0,
      notifiedSeverity: prev?.notifiedSeverity,
      severity: rule.severity ?? finding.severity,
      summary: finding.summary,
      value: finding.value,
      expected: finding.expected,
      details: finding.details,
    };
    const fires = state.phase === 'pending' && state.heldSteps >= rule.forSteps;
    const escalates = state.phase === 'firing' && SEVERITY_RANK[state.severity] > SEVERITY_RANK[state.notifiedSeverity ?? 'info'];
    const repeats = state.phase === 'firing' && stepEndMs - state.lastNotifiedMs >= options.repeatIntervalMs;
    if (fires || escalates || repeats) {
      state.phase = 'firing';
      state.lastNotifiedMs = stepEndMs;
      state.notifiedSeverity = state.severity;
      transitions.push(toAlert(state, 'firing', stepEndMs, options.links));
    }
    next[fp] = state;
  }

  for (const [fp, prev] of Object.entries(states)) {
    if (strongest.has(fp)) continue;
    if (vendors && !vendors.includes(prev.vendor)) {
      next[fp] = prev;
      continue;
    }
    // A pending alert needs consecutive steps: one gap and it starts over.
    if (prev.phase === 'pending') continue;
    const rule = options.rules(prev.vendor, prev.kind);
    const state: AlertState = sustained.has(fp) ? { ...prev, quietSteps: 0 } : { ...prev, heldSteps: 0, quietSteps: prev.quietSteps + 1 };
    if (state.quietSteps >= rule.resolveAfterSteps) {
      transitions.push(toAlert(state, 'resolved', stepEndMs, options.links));
      continue;
    }
    if (stepEndMs - state.lastNotifiedMs >= options.repeatIntervalMs) {
      state.lastNotifiedMs = stepEndMs;
      transitions.push(toAlert(state, 'firing', stepEndMs, options.links));
    }
    next[fp] = state;
  }
  return { states: next, transitions };
}

/** The docs/ARCHITECTURE.md alert object of a state. */
export function toAlert(state: AlertState, status: 'firing' | 'resolved', stepEndMs: number, links: AlertLinks): Alert {
  const runbook = links.runbookUrl(state.vendor, state.kind);
  const dashboard = links.dashboardUrl(state.vendor, state.service);
  const labels: Record<string, string> = { alertname: state.kind, kind: state.kind, vendor: state.vendor, service: state.service, severity: state.severity };
  if (state.route) labels['route'] = state.route;
  if (state.field) labels['field'] = state.field;
  const annotations: Record<string, string> = { ...(state.details ?? {}), summary: state.summary, runbook_url: runbook };
  if (dashboard) annotations['dashboard_url'] = dashboard;
  const alert: Alert = {
    fingerprint: state.fingerprint,
    kind: state.kind,
    severity: state.severity,
    status,
    vendor: state.vendor,
    service: state.service,
    startsAt: new Date(state.startsAtMs).toISOString(),
    summary: state.summary,
    runbook_url: runbook,
    labels,
    annotations,
  };
  if (state.route) alert.route = state.route;
  if (state.field) alert.field = state.field;
  if (status === 'resolved') alert.endsAt = new Date(stepEndMs).toISOString();
  if (state.value !== undefined) alert.value = state.value;
  if (state.expected !== undefined) alert.expected = state.expected;
  return alert;
}

/**
 * Rebuilds open states from the stored current alerts (the latest row per fingerprint), so the
 * lifecycle resumes after a restart: firing alerts stay firing and are not notified again.
 * `updatedAtMs` is each row's last change.
 */
export function statesFromAlerts(alerts: readonly (Alert & { updatedAt?: string })[]): AlertStates {
  const out: Record<string, AlertState> = {};
  for (const a of alerts) {
    if (a.status !== 'firing') continue;
    const details: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.annotations)) if (k !== 'summary' && k !== 'runbook_url' && k !== 'dashboard_url') details[k] = v;
    out[a.fingerprint] = {
      fingerprint: a.fingerprint,
      kind: a.kind,
      vendor: a.vendor,
      service: a.service,
      route: a.route,
      field: a.field,
      phase: 'firing',
      heldSteps: 1,
      quietSteps: 0,
      startsAtMs: Date.parse(a.startsAt),
      lastNotifiedMs: a.updatedAt ? Date.parse(a.updatedAt) : Date.parse(a.startsAt),
      notifiedSeverity: a.severity,
      severity: a.severity,
      summary: a.summary,
      value: a.value,
      expected: a.expected,
      details: Object.keys(details).length > 0 ? details : undefined,
    };
  }
  return out;
}
