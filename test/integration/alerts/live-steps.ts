import type { AlertStates } from '../../../alerts/lifecycle.js';
import type { Notifier } from '../../../alerts/notifier.js';
import { detectionContext, runDetectionStep } from '../../../app/detection-step.js';
import { liveSink, liveVendorStates } from '../../../app/live-step.js';
import type { Config } from '../../../common/config/index.js';
import type { Alert, Finding } from '../../../common/types.js';
import { MemoryStepStateStore } from '../../../queue/step-state.js';
import type { Store } from '../../../storage/store.js';

/** What one live step did: its state changes, and the notification jobs it queued. */
export interface LiveStepResult {
  transitions: Alert[];
  jobIds: string[];
}

/**
 * The live worker's step (app/detection-step.ts with its states and sink: `alerts`, then the
 * notifier, then the step state) fed given findings, as one worker process with its own step
 * states: a new one starts, for each vendor, from the alerts firing in the store before its step.
 */
export function liveSteps(store: Store, config: Config, notifier?: Notifier): (findings: Finding[], stepEnd: number, vendors: string[]) => Promise<LiveStepResult> {
  const ctx = detectionContext(store, config);
  const states = liveVendorStates(store, new MemoryStepStateStore<AlertStates>());
  let jobIds: string[] = [];
  // Hears which jobs the sink queued; everything else is the notifier itself.
  const queued: Notifier | undefined = notifier && {
    ...notifier,
    receivers: notifier.receivers,
    notify: async (transitions, atMs, context) => {
      const ids = await notifier.notify(transitions, atMs, context);
      jobIds.push(...ids);
      return ids;
    },
  };
  const sink = liveSink(store, queued);
  return async (findings, stepEnd, vendors) => {
    jobIds = [];
    const result = await runDetectionStep(ctx, { stepEnd, vendors, findings, states, sink });
    if (result.failed.length > 0) throw result.failed[0]!.error;
    return { transitions: result.transitions, jobIds };
  };
}
