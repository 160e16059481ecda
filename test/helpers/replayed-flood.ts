import { beforeAll } from 'vitest';
import { replayDetection } from '../../app/replay.js';
import { parseConfig } from '../../common/config/index.js';
import type { Alert } from '../../common/types.js';
import { useMigratedStore } from './migrated-store.js';

export const MIN = 60_000;

/** What a flood test reads: when the calls started, and what the replay raised. */
export interface ReplayedFlood {
  /** The minute the calls start at (epoch ms): `minutesAgo` whole minutes before the file loaded. */
  readonly at: number;
  /** Every transition of the replay (firing and resolved); read inside tests, it is filled in `beforeAll`. */
  readonly alerts: Alert[];
}

export interface ReplayedFloodOptions {
  /** How far back the calls start, in whole minutes: the replay's steps must have ended by now. */
  minutesAgo: number;
  /** One-minute steps to replay, the first ending at `at` + 1 min. Default 1. */
  steps?: number;
}

/**
 * A migrated store holding the `egress_spans` rows `rows(at)` makes (span-rows.ts), replayed once in
 * `beforeAll` through the step the live worker runs (`replayDetection`, one-minute steps, no lag).
 * The trust tests feed it what a hostile or broken sender makes in a minute and judge the alerts.
 */
export function useReplayedFlood(rows: (at: number) => Record<string, unknown>[], options: ReplayedFloodOptions): ReplayedFlood {
  const db = useMigratedStore();
  const at = Math.floor(Date.now() / MIN) * MIN - options.minutesAgo * MIN;
  let alerts: Alert[] | undefined;
  beforeAll(async () => {
    await db.insertSpans(rows(at));
    const config = parseConfig({ detection: { step_seconds: 60, lag_seconds: 0 } });
    ({ alerts } = await replayDetection(db.current, config, { fromMs: at + MIN, toMs: at + (options.steps ?? 1) * MIN, stepMs: MIN }));
  }, 180_000);
  return {
    at,
    get alerts(): Alert[] {
      if (!alerts) throw new Error('useReplayedFlood: the alerts exist only inside tests, after beforeAll');
      return alerts;
    },
  };
}
