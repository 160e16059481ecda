import { statesFromAlerts, type AlertStates } from '../alerts/lifecycle.js';
import type { Notifier } from '../alerts/notifier.js';
import { logger } from '../common/logger.js';
import type { StepStateStore } from '../queue/step-state.js';
import { loadFiringAlerts, recordAlerts, type StoredAlert } from '../storage/alert-store.js';
import type { Store } from '../storage/store.js';
import type { DetectionSink, VendorStates } from './detection-step.js';

const log = logger('worker');

/**
 * The live states of one step's vendors: each vendor's last recorded step (`StepStateStore`, in
 * Redis when there is one, so any worker can take a vendor's next step), held under the vendor's
 * lock. A vendor whose step is recorded already is skipped: a job that died half way is redone for
 * the vendors it had not finished only. A vendor with no recorded step starts from the alerts as
 * they were before this step: a redo after a crash between writing the changes and queueing their
 * notifications must see the same transitions again, or their messages are never sent (found by
 * test/scale). The firing alerts are read once per step, for the first such vendor.
 */
export function liveVendorStates(store: Store, recorded: StepStateStore<AlertStates>): VendorStates {
  let firing: { stepEnd: number; alerts: Promise<StoredAlert[]> } | undefined;
  const firingBefore = (stepEnd: number): Promise<StoredAlert[]> => {
    if (firing?.stepEnd !== stepEnd) {
      const alerts = loadFiringAlerts(store, stepEnd);
      // A failed read is not kept: the redo reads again.
      void alerts.catch(() => {
        if (firing?.alerts === alerts) firing = undefined;
      });
      firing = { stepEnd, alerts };
    }
    return firing.alerts;
  };
  return {
    withLock: (vendor, fn) => recorded.withLock(vendor, fn),
    load: async (vendor, stepEnd) => {
      const previous = await recorded.get(vendor);
      if (previous && previous.step >= stepEnd) return undefined;
      if (previous) return previous.value;
      return statesFromAlerts((await firingBefore(stepEnd)).filter((a) => a.vendor === vendor));
    },
    save: async (vendor, stepEnd, states) => {
      await recorded.set(vendor, stepEnd, states);
    },
  };
}

/**
 * The live sink: every state change is written to `alerts` before its notifications are queued
 * (notification ids are per receiver, group, state and window, so a redone step sends nothing twice).
 */
export function liveSink(store: Store, notifier: Notifier | undefined): DetectionSink {
  return {
    accept: async ({ vendor, stepEnd, transitions, volumeSpikesFiring }) => {
      await recordAlerts(store, transitions, stepEnd);
      await notifier?.notify(transitions, stepEnd, { volumeSpikesFiring });
      if (transitions.length > 0) {
        log.info({ vendor, stepEnd: new Date(stepEnd).toISOString(), changes: transitions.map((t) => `${t.kind}:${t.status}`) }, 'alert state changes');
      }
    },
  };
}
