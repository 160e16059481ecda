import type { Config } from '../common/config/index.js';
import { ALERT_KINDS, type Alert, type Finding } from '../common/types.js';
import { advanceIsolated, lifecycleOptions } from '../alerts/alert-engine.js';
import { deliveryReport, type DeliveryReport } from '../alerts/delivery-report.js';
import { toAlert, type AlertStates } from '../alerts/lifecycle.js';
import { LookbackTracker } from '../alerts/lookback.js';
import type { EnqueuedNotification, Notifier } from '../alerts/notifier.js';
import { ruleBook } from '../alerts/rules.js';
import { DetectionCache, evaluateStep } from '../detectors/evaluate-step.js';
import { reportVendorFailure } from '../detectors/vendor-isolation.js';
import type { JobOutcome } from '../queue/job-queue.js';
import { listNotificationAttempts, type NotificationAttempt } from '../storage/alert-notification-store.js';
import { loadFiringAlerts, recordReplayAlerts, type ReplayedChange } from '../storage/alert-store.js';
import type { Store } from '../storage/store.js';

/** Default longest look-back before `--from` (see `ReplayOptions.maxLookbackMs`). */
export const DEFAULT_MAX_LOOKBACK_MS = 2 * 3_600_000;

/** Where a replay is, for progress lines. */
export interface ReplayProgress {
  /** `lookback`: reading the steps before the window (newest first); `window`: the window itself. */
  phase: 'lookback' | 'window';
  /** Steps read in this phase. */
  done: number;
  /** Steps of the window; for the look-back, the most it may read. */
  total: number;
  /** Window steps (known from the start). */
  windowSteps: number;
}

export interface ReplayOptions {
  fromMs: number;
  toMs: number;
  stepMs: number;
  /** Store the replay's alert changes in `replay_alerts` under this id (`--record`); never in `alerts`. */
  record?: { replayId: string } | undefined;
  /** Send the replay's alert changes through these receivers and wait for them (`--notify`). */
  notifier?: Notifier | undefined;
  /** How long to wait for deliveries. Default 10 minutes. */
  deliveryTimeoutMs?: number;
  /**
   * Longest look-back before `--from`. Default 2 h (`detect --lookback`). Alerts whose run of findings reaches further
   * back start (as far as the replay knows) at the look-back's start; `ReplayResult.lookback.open` counts them.
   */
  maxLookbackMs?: number;
  /** Called after every step. */
  onProgress?: ((progress: ReplayProgress) => void) | undefined;
}

export interface ReplayResult {
  /**
   * Alerts already firing when the window opens (startsAt before it), then every state change in
   * the window in order: fired, escalated, resolved (repeat notifications are not state changes).
   */
  alerts: Alert[];
  /** How far back the lifecycle was started, so that a minute's result does not depend on `--from`. */
  lookback: { steps: number; fromMs: number; open: number };
  /** With `record`: what was written to `replay_alerts`. */
  recorded?: { replayId: string; changes: number } | undefined;
  /** With a notifier: what each receiver got. */
  delivery?: DeliveryReport | undefined;
}

/**
 * `detect`: the live detectors and alert rules over a past window, as if live at each step (same
 * lag, same baselines, nothing from the future), in scratch state: the live `alerts` table and
 * the live lifecycle are never touched.
 *
 * Deterministic: the lifecycle starts before the window, where every alert run that reaches into
 * it began (LookbackTracker; at most `maxLookbackMs`), and detection itself depends only on the
 * step — so a minute gives the same alerts whatever `--from` is. Recording (`replay_alerts`)
 * and notifying are explicit; a replayed resolve of an alert that is firing live is not sent.
 */
export async function replayDetection(store: Store, config: Config, options: ReplayOptions): Promise<ReplayResult> {
  // Windows and rule counts follow the replay's step, exactly as a live worker with that step.
  const stepConfig: Config = { ...config, detection: { ...config.detection, step_seconds: options.stepMs / 1000 } };
  const lifecycle = lifecycleOptions(stepConfig);
  const rules = ruleBook(stepConfig.alerts);
  const cache = new DetectionCache();
  const step = options.stepMs;
  const first = Math.ceil(options.fromMs / step) * step;
  const windowSteps = first <= options.toMs ? Math.floor((options.toMs - first) / step) + 1 : 0;
  const progress = options.onProgress ?? (() => undefined);

  // Look back, newest step first, until every run that could reach the window began.
  const tracker = new LookbackTracker((vendor, kind) => rules(vendor, kind).resolveAfterSteps, longestGap(stepConfig));
  const maxSteps = Math.max(tracker.minSteps, Math.floor((options.maxLookbackMs ?? DEFAULT_MAX_LOOKBACK_MS) / step));
  const earlier: { stepEnd: number; findings: Finding[] }[] = [];
  let scope: string[] | undefined;
  for (let k = 1; k <= maxSteps && !tracker.done; k++) {
    if (k > tracker.minSteps) {
      // Past the longest gap only the vendors whose runs go on are read.
      scope = tracker.unsettledVendors();
      if (scope.length === 0) break;
    }
    const stepEnd = first - k * step;
    const findings = await evaluateStep(store, { stepEnd, vendors: scope }, stepConfig, cache);
    tracker.observe(k, findings);
    earlier.push({ stepEnd, findings });
    progress({ phase: 'lookback', done: k, total: maxSteps, windowSteps });
  }
  let states: AlertStates = {};
  for (let i = earlier.length - 1; i >= 0; i--) states = advanceIsolated(states, earlier[i]!.findings, earlier[i]!.stepEnd, lifecycle).states;

  const alerts: Alert[] = [];
  for (const st of Object.values(states)) {
    if (st.phase !== 'firing') continue;
    try {
      alerts.push(toAlert(st, 'firing', first, lifecycle.links));
    } catch (err) {
      reportVendorFailure('alerts', st.vendor, err);
    }
  }
  const changes: ReplayedChange[] = [];
  const notifier = options.notifier;
  const liveFiring = notifier ? new Set((await loadFiringAlerts(store)).map((a) => a.fingerprint)) : new Set<string>();
  const notifications: EnqueuedNotification[] = [];
  const silenced: { fingerprint: string; status: string; silenceId: string }[] = [];
  let heldBack = 0;
  let offered = 0;
  let done = 0;
  for (let stepEnd = first; stepEnd <= options.toMs; stepEnd += step) {
    const findings = await evaluateStep(store, { stepEnd }, stepConfig, cache);
    const before = states;
    const result = advanceIsolated(before, findings, stepEnd, lifecycle);
    states = result.states;
    const stepChanges = result.transitions.filter((t) => !isRepeat(t, before));
    alerts.push(...stepChanges);
    changes.push(...stepChanges.map((alert) => ({ alert: asReplayed(alert), atMs: stepEnd })));
    if (notifier && stepChanges.length > 0) {
      // A replayed resolve would close the live incident of an alert that is firing now.
      const sendable = stepChanges.filter((t) => !(t.status === 'resolved' && liveFiring.has(t.fingerprint)));
      heldBack += stepChanges.length - sendable.length;
      offered += sendable.length;
      const volumeSpikesFiring = Object.values(states)
        .filter((st) => st.kind === 'volume_spike' && st.phase === 'firing')
        .map((st) => ({ vendor: st.vendor, service: st.service }));
      const outcome = await notifier.notifyDetailed(sendable.map(asReplayed), stepEnd, { volumeSpikesFiring });
      notifications.push(...outcome.notifications);
      silenced.push(...outcome.silenced);
    }
    progress({ phase: 'window', done: ++done, total: windowSteps, windowSteps });
  }

  let recorded: ReplayResult['recorded'];
  if (options.record) {
    await recordReplayAlerts(store, options.record.replayId, changes);
    recorded = { replayId: options.record.replayId, changes: changes.length };
  }
  let delivery: DeliveryReport | undefined;
  if (notifier) {
    const jobIds = [...new Set(notifications.map((n) => n.jobId))];
    const outcomes = await waitOutcomes(notifier, jobIds, options.deliveryTimeoutMs ?? 600_000);
    const attempts = await attemptsOf(store, jobIds);
    delivery = deliveryReport({ receivers: notifier.receivers, notifications, outcomes, attempts, silenced, heldBack, offered });
  }
  return { alerts, lookback: { steps: earlier.length, fromMs: first - earlier.length * step, open: tracker.done ? 0 : tracker.unsettled }, recorded, delivery };
}

/** The longest `resolveAfterSteps` of any rule in force: runs closer to the window than that may be open in it. */
function longestGap(config: Pick<Config, 'alerts'>): number {
  const rules = ruleBook(config.alerts);
  let longest = 1;
  for (const kind of ALERT_KINDS) {
    longest = Math.max(longest, rules('', kind).resolveAfterSteps);
    for (const vendor of Object.keys(config.alerts.vendor_rules)) longest = Math.max(longest, rules(vendor, kind).resolveAfterSteps);
  }
  return longest;
}

/** A firing transition of an alert already firing at the same severity: a reminder, not a change. */
function isRepeat(transition: Alert, before: AlertStates): boolean {
  const prev = before[transition.fingerprint];
  return transition.status === 'firing' && prev?.phase === 'firing' && prev.notifiedSeverity === transition.severity;
}

/** Recorded and notified replay alerts say so (`source="replay"`), so a receiver or a silence can tell them from live ones. */
function asReplayed(alert: Alert): Alert {
  return { ...alert, labels: { ...alert.labels, source: 'replay' } };
}

/** Final outcomes; jobs not final when the wait ends are left out (still being retried). */
async function waitOutcomes(notifier: Notifier, jobIds: readonly string[], timeoutMs: number): Promise<Record<string, JobOutcome>> {
  if (jobIds.length === 0) return {};
  try {
    return await notifier.waitDelivered(jobIds, timeoutMs);
  } catch {
    // Timed out: each job's own attempts tell what became of it so far.
    return {};
  }
}

async function attemptsOf(store: Store, jobIds: readonly string[]): Promise<NotificationAttempt[]> {
  const out: NotificationAttempt[] = [];
  for (const jobId of jobIds) out.push(...(await listNotificationAttempts(store, { jobId })));
  return out;
}
