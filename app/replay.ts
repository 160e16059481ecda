import type { Config } from '../common/config/index.js';
import { ALERT_KINDS, type Alert, type Finding } from '../common/types.js';
import type { DeliveryReport } from '../alerts/delivery-report.js';
import { toAlert } from '../alerts/lifecycle.js';
import { LookbackTracker } from '../alerts/lookback.js';
import { createNotifier, type Notifier } from '../alerts/notifier.js';
import { ruleBook } from '../alerts/rules.js';
import { evaluateStep } from '../detectors/evaluate-step.js';
import { reportVendorFailure } from '../detectors/vendor-isolation.js';
import { openQueueRuntime } from '../queue/backend.js';
import { recordReplayAlerts } from '../storage/alert-store.js';
import type { Store } from '../storage/store.js';
import { detectionContext, runDetectionStep, type DetectionContext, type DetectionStepResult } from './detection-step.js';
import { replaySink, ScratchStates } from './replay-sink.js';

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
  const ctx = detectionContext(store, stepConfig);
  const rules = ruleBook(stepConfig.alerts);
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
    const findings = await evaluateStep(store, { stepEnd, vendors: scope }, stepConfig, ctx.cache);
    tracker.observe(k, findings);
    earlier.push({ stepEnd, findings });
    progress({ phase: 'lookback', done: k, total: maxSteps, windowSteps });
  }
  // Then the look-back is stepped oldest first, as live would have, with nothing sent or kept.
  const states = new ScratchStates();
  for (let i = earlier.length - 1; i >= 0; i--) await replayStep(ctx, { stepEnd: earlier[i]!.stepEnd, findings: earlier[i]!.findings, states });

  const alerts: Alert[] = [];
  for (const st of states.all()) {
    if (st.phase !== 'firing') continue;
    try {
      alerts.push(toAlert(st, 'firing', first, ctx.lifecycle.links));
    } catch (err) {
      reportVendorFailure('alerts', st.vendor, err);
    }
  }
  const sink = await replaySink(store, options.notifier);
  let done = 0;
  for (let stepEnd = first; stepEnd <= options.toMs; stepEnd += step) {
    await replayStep(ctx, { stepEnd, states, sink });
    progress({ phase: 'window', done: ++done, total: windowSteps, windowSteps });
  }
  alerts.push(...sink.collected.alerts);

  let recorded: ReplayResult['recorded'];
  if (options.record) {
    await recordReplayAlerts(store, options.record.replayId, sink.collected.changes);
    recorded = { replayId: options.record.replayId, changes: sink.collected.changes.length };
  }
  const delivery = await sink.delivery(options.deliveryTimeoutMs ?? 600_000);
  return { alerts, lookback: { steps: earlier.length, fromMs: first - earlier.length * step, open: tracker.done ? 0 : tracker.unsettled }, recorded, delivery };
}

/**
 * `replayDetection` with `--notify` delivered from this process (no instance owns the store): an
 * in-process queue of its own, closed when the replay has waited for its deliveries.
 */
export async function replayDeliveringHere(store: Store, config: Config, options: Omit<ReplayOptions, 'notifier'>): Promise<ReplayResult> {
  const queue = await openQueueRuntime({ redisUrl: config.redis.url, dataDir: config.data_dir, embedded: false, inProcessByDesign: true });
  const notifier = createNotifier({ store, backend: queue.backend, config, work: true });
  try {
    return await replayDetection(store, config, { ...options, notifier });
  } finally {
    await notifier.close();
    await queue.close();
  }
}

/**
 * One replayed step: `runDetectionStep`, where a vendor whose alerts cannot be built (hostile data)
 * is left as it was and the replay goes on, as the live worker's other vendors do; a failed write
 * or send stops the replay (there is no queue to redo it).
 */
async function replayStep(ctx: DetectionContext, input: Parameters<typeof runDetectionStep>[1]): Promise<DetectionStepResult> {
  const result = await runDetectionStep(ctx, input);
  const io = result.failed.find((f) => f.during === 'delivery');
  if (io) throw io.error;
  return result;
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

