import type { Config } from '../common/config/index.js';
import type { Alert } from '../common/types.js';
import { createAlertEngine } from '../alerts/alert-engine.js';
import type { Notifier } from '../alerts/notifier.js';
import { DetectionCache, evaluateStep } from '../detectors/evaluate-step.js';
import type { JobOutcome } from '../queue/job-queue.js';
import type { Store } from '../storage/store.js';

export interface ReplayOptions {
  fromMs: number;
  toMs: number;
  stepMs: number;
  /** Deliver the alerts' notifications and wait for them. */
  notifier?: Notifier | undefined;
  /** How long to wait for deliveries. Default 10 minutes. */
  deliveryTimeoutMs?: number;
}

export interface ReplayResult {
  /** Every alert state change, in order (firing, then resolved, per fingerprint). */
  alerts: Alert[];
  /** jobId → outcome of every notification the replay caused (with a notifier). */
  deliveries: Record<string, JobOutcome>;
}

/**
 * `detect`: the live detectors and alert rules over a past window, as if live at each step
 * (same lag, same baselines, nothing from the future). State changes are stored in `alerts`.
 */
export async function replayDetection(store: Store, config: Config, options: ReplayOptions): Promise<ReplayResult> {
  // Windows and rule counts follow the replay's step, exactly as a live worker with that step.
  const stepConfig: Config = { ...config, detection: { ...config.detection, step_seconds: options.stepMs / 1000 } };
  const engine = createAlertEngine({ store, config: stepConfig, notifier: options.notifier, resume: false });
  const cache = new DetectionCache();
  const alerts: Alert[] = [];
  const jobIds: string[] = [];
  const first = Math.ceil(options.fromMs / options.stepMs) * options.stepMs;
  for (let stepEnd = first; stepEnd <= options.toMs; stepEnd += options.stepMs) {
    const findings = await evaluateStep(store, { stepEnd }, stepConfig, cache);
    const step = await engine.step(findings, stepEnd);
    alerts.push(...step.transitions);
    jobIds.push(...step.jobIds);
  }
  const deliveries = options.notifier && jobIds.length > 0 ? await options.notifier.waitDelivered([...new Set(jobIds)], options.deliveryTimeoutMs ?? 600_000) : {};
  return { alerts, deliveries };
}
