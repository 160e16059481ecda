import type { Config } from '../common/config/index.js';
import type { Alert, Finding } from '../common/types.js';
import { loadFiringAlerts, recordAlerts } from '../storage/alert-store.js';
import type { Store } from '../storage/store.js';
import { advance, statesFromAlerts, type AdvanceResult, type AlertStates, type LifecycleOptions } from './lifecycle.js';
import { reportVendorFailure } from '../detectors/vendor-isolation.js';
import { alertLinks } from './links.js';
import type { Notifier } from './notifier.js';
import { ruleBook } from './rules.js';

/** Lifecycle options from config: rules per vendor/kind, links, repeat interval. */
export function lifecycleOptions(config: Pick<Config, 'alerts' | 'vendors' | 'collector'>): LifecycleOptions {
  return {
    rules: ruleBook(config.alerts),
    links: alertLinks(config),
    repeatIntervalMs: config.alerts.repeat_interval_seconds * 1000,
  };
}

export interface AlertEngineOptions {
  store: Store;
  config: Pick<Config, 'alerts' | 'vendors' | 'collector'>;
  /** Without a notifier, alerts are only stored. */
  notifier?: Notifier | undefined;
  /** Resume from the firing alerts in the store (live). Default true; a replay passes false. */
  resume?: boolean;
}

export interface StepResult {
  transitions: Alert[];
  /** Notification jobs of this step (empty without a notifier). */
  jobIds: string[];
}

/** The scheduler's and `detect`'s view: one call per step, with every finding of the step. */
export interface AlertEngine {
  /**
   * Advances the lifecycle by one step. `vendors`: the vendors this call evaluated (per-vendor
   * jobs); others keep their state. Calls are serialised, so concurrent per-vendor jobs are safe.
   */
  step(findings: readonly Finding[], stepEndMs: number, vendors?: readonly string[]): Promise<StepResult>;
  /** Current open states (pending and firing). */
  states(): AlertStates;
}

/**
 * Glue for one process: keeps the lifecycle state, writes every state change to `alerts`, and
 * hands the changes to the notifier. Steps must be called in order, one at a time. This is the
 * live history: `detect` replays keep their own scratch state (cli/replay.ts) and never come here.
 */
export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const lifecycle = lifecycleOptions(options.config);
  let states: AlertStates | undefined = options.resume === false ? {} : undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const run = async (findings: readonly Finding[], stepEndMs: number, vendors?: readonly string[]): Promise<StepResult> => {
    if (!states) states = statesFromAlerts(await loadFiringAlerts(options.store));
    const result = advanceIsolated(states, findings, stepEndMs, lifecycle, vendors);
    // Stored before the state moves on: if the write fails, the step can be retried as a whole.
    await recordAlerts(options.store, result.transitions, stepEndMs);
    states = result.states;
    const volumeSpikesFiring = Object.values(result.states)
      .filter((st) => st.kind === 'volume_spike' && st.phase === 'firing')
      .map((st) => ({ vendor: st.vendor, service: st.service }));
    const jobIds = options.notifier ? await options.notifier.notify(result.transitions, stepEndMs, { volumeSpikesFiring }) : [];
    return { transitions: result.transitions, jobIds };
  };
  return {
    step(findings, stepEndMs, vendors) {
      const next = queue.then(() => run(findings, stepEndMs, vendors));
      queue = next.catch(() => undefined);
      return next;
    },
    states: () => states ?? {},
  };
}

/**
 * `advance` over every vendor at once; if that throws, vendor by vendor, so one vendor whose
 * alert cannot be built (hostile data) never stops the others' alerts in a replay.
 */
export function advanceIsolated(states: AlertStates, findings: readonly Finding[], stepEndMs: number, lifecycle: LifecycleOptions, vendors?: readonly string[]): AdvanceResult {
  try {
    return advance(states, findings, stepEndMs, lifecycle, vendors);
  } catch {
    let current = states;
    const transitions: Alert[] = [];
    const all = vendors ?? [...new Set([...findings.map((f) => f.vendor), ...Object.values(states).map((st) => st.vendor)])];
    for (const vendor of all) {
      try {
        const one = advance(current, findings.filter((f) => f.vendor === vendor), stepEndMs, lifecycle, [vendor]);
        current = one.states;
        transitions.push(...one.transitions);
      } catch (err) {
        reportVendorFailure('alerts', vendor, err);
      }
    }
    return { states: current, transitions };
  }
}
