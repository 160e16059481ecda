import type { Config } from '../common/config/index.js';
import type { Alert, Finding } from '../common/types.js';
import { lifecycleOptions } from '../alerts/alert-engine.js';
import { advance, type AlertStates, type LifecycleOptions } from '../alerts/lifecycle.js';
import { DetectionCache, evaluateStep, type DetectionCacheOptions, type DetectionSettings } from '../detectors/evaluate-step.js';
import { reportVendorFailure } from '../detectors/vendor-isolation.js';
import type { Store } from '../storage/store.js';

/** What every step of one worker or one replay shares: the store, the settings, the rules, the baselines. */
export interface DetectionContext {
  store: Store;
  /** Detection settings; a replay passes its own `step_seconds` (windows and rule counts follow the step). */
  settings: DetectionSettings;
  lifecycle: LifecycleOptions;
  /** Baselines kept between steps (one per worker or replay). */
  cache: DetectionCache;
}

/** The context of `config` on `store`, with a fresh baseline cache. */
export function detectionContext(store: Store, config: Config, cache: DetectionCacheOptions = {}): DetectionContext {
  return { store, settings: config, lifecycle: lifecycleOptions(config), cache: new DetectionCache(cache) };
}

/** Where a vendor's open alerts live between steps. */
export interface VendorStates {
  /** Runs one vendor's part of the step holding the vendor's lock (live: two workers never step one vendor at once). Default: no lock. */
  withLock?<R>(vendor: string, fn: () => Promise<R>): Promise<R>;
  /** The vendor's open alerts before `stepEnd`; `undefined` when that step is recorded for it already (a redone job): the vendor is skipped. */
  load(vendor: string, stepEnd: number): Promise<AlertStates | undefined>;
  /** Keeps the vendor's open alerts after `stepEnd`. Called only once the sink took the vendor's transitions: it is the record that (vendor, step) is done. */
  save(vendor: string, stepEnd: number, states: AlertStates): Promise<void>;
  /** Vendors with open alerts: a step that names no vendors steps these too, so that a quiet step counts. */
  openVendors?(): Iterable<string>;
}

/** One vendor's part of a step, as handed to a sink. */
export interface VendorStep {
  vendor: string;
  stepEnd: number;
  /** The vendor's open alerts before the step (a replay tells a reminder from a change with them). */
  before: AlertStates;
  /** The vendor's open alerts after the step. */
  states: AlertStates;
  /** Alerts whose notified state changed: fired, escalated, resolved, repeated. */
  transitions: Alert[];
  /** (vendor, service) pairs with a volume_spike firing after the step: notifications fold their bytes_spike into it. */
  volumeSpikesFiring: { vendor: string; service: string }[];
}

/** Where a step's transitions go: live, `alerts` and the notifier; a replay, its own list (and `--notify`). */
export interface DetectionSink {
  accept(step: VendorStep): Promise<void>;
}

/** One step of a set of vendors. */
export interface DetectionStepInput {
  /** Epoch ms, a multiple of the step. */
  stepEnd: number;
  /** The vendors of this step (a shard of the live worker, sorted). Absent: every vendor with a finding or an open alert. */
  vendors?: readonly string[] | undefined;
  /** Findings already read for this step (a replay reads its look-back newest first, then steps it oldest first). Absent: read now. */
  findings?: readonly Finding[] | undefined;
  states: VendorStates;
  /** Absent: the states move on and nothing else happens (a replay's look-back). */
  sink?: DetectionSink | undefined;
}

/** A vendor whose part of the step failed; its states stay as they were. */
export interface VendorFailure {
  vendor: string;
  /** `lifecycle`: its alerts could not be built (hostile data); `delivery`: the sink or the state store failed (I/O). */
  during: 'lifecycle' | 'delivery';
  error: unknown;
}

export interface DetectionStepResult {
  findings: readonly Finding[];
  /** Every vendor's transitions, vendor by vendor in name order. */
  transitions: Alert[];
  /** Each vendor stepped, with its open alerts after the step. */
  states: Map<string, AlertStates>;
  /** Vendors whose step was recorded already (a redone job). */
  skipped: string[];
  failed: VendorFailure[];
}

/**
 * The one detection step, live (`app/worker-role.ts`, per shard job) and replayed (`app/replay.ts`,
 * per step of the window): the detectors' findings → the alert lifecycle, vendor by vendor from the
 * states `states` gives → the sink → the new states back to `states`. "A replay is as if live" holds
 * because both run this function; only the states and the sink differ.
 *
 * One vendor's failure never stops the others (docs/ARCHITECTURE.md, detectors/): it is reported
 * and counted, listed in `failed`, and its states stay as they were; the caller decides whether the
 * step failed (a live job fails, so the queue redoes the vendors not saved).
 */
export async function runDetectionStep(ctx: DetectionContext, input: DetectionStepInput): Promise<DetectionStepResult> {
  const { stepEnd, states, sink } = input;
  const findings = input.findings ?? (await evaluateStep(ctx.store, { stepEnd, vendors: input.vendors }, ctx.settings, ctx.cache));
  const byVendor = new Map<string, Finding[]>();
  for (const f of findings) {
    const own = byVendor.get(f.vendor);
    if (own) own.push(f);
    else byVendor.set(f.vendor, [f]);
  }
  const vendors = input.vendors ?? [...new Set([...byVendor.keys(), ...(states.openVendors?.() ?? [])])].sort();
  const result: DetectionStepResult = { findings, transitions: [], states: new Map(), skipped: [], failed: [] };

  const stepVendor = async (vendor: string): Promise<void> => {
    const before = await states.load(vendor, stepEnd);
    if (!before) {
      result.skipped.push(vendor);
      return;
    }
    let after: ReturnType<typeof advance>;
    try {
      after = advance(before, byVendor.get(vendor) ?? [], stepEnd, ctx.lifecycle, [vendor]);
    } catch (err) {
      result.failed.push({ vendor, during: 'lifecycle', error: err });
      reportVendorFailure('alerts', vendor, err);
      return;
    }
    if (sink) await sink.accept({ vendor, stepEnd, before, states: after.states, transitions: after.transitions, volumeSpikesFiring: volumeSpikesFiring(after.states) });
    await states.save(vendor, stepEnd, after.states);
    result.transitions.push(...after.transitions);
    result.states.set(vendor, after.states);
  };
  for (const vendor of vendors) {
    try {
      await (states.withLock ? states.withLock(vendor, () => stepVendor(vendor)) : stepVendor(vendor));
    } catch (err) {
      result.failed.push({ vendor, during: 'delivery', error: err });
      reportVendorFailure('alerts', vendor, err);
    }
  }
  return result;
}

/** The (vendor, service) pairs of the volume spikes firing in `states`. */
export function volumeSpikesFiring(states: AlertStates): { vendor: string; service: string }[] {
  return Object.values(states)
    .filter((st) => st.kind === 'volume_spike' && st.phase === 'firing')
    .map((st) => ({ vendor: st.vendor, service: st.service }));
}
