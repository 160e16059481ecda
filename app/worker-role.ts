import type { Config } from '../common/config/index.js';
import { logger } from '../common/logger.js';
import { linkBase } from '../alerts/links.js';
import type { AlertStates } from '../alerts/lifecycle.js';
import { createNotifier, type Notifier } from '../alerts/notifier.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { QueueRuntime } from '../queue/backend.js';
import { MemoryStepStateStore, RedisStepStateStore, type StepStateStore } from '../queue/step-state.js';
import { loadFiringAlerts } from '../storage/alert-store.js';
import { listActiveVendors } from '../storage/inventory.js';
import type { Store } from '../storage/store.js';
import { detectionContext, runDetectionStep } from './detection-step.js';
import { liveSink, liveVendorStates } from './live-step.js';

const log = logger('worker');

export const TICK_QUEUE = 'egresswatch-detect-tick';
export const VENDOR_QUEUE = 'egresswatch-detect-vendor';

interface TickJob {
  stepEnd: number;
}
/** A shard of vendors evaluated in one job: per-vendor queries would be thousands a minute. */
interface VendorJob {
  vendors: string[];
  stepEnd: number;
}

/** Vendors per detection job: one store read serves them all (10,000 series take < 1 s). */
const VENDORS_PER_JOB = 200;

/** A running worker: detection jobs, notification jobs and (optionally) the step timer. */
export interface WorkerRole {
  notifier: Notifier;
  /**
   * Runs one step now, as the timer would (a `tick:<stepEnd>` job), and resolves once every shard
   * job of the step is final; rejects if one failed for good. Tests step the worker with it.
   */
  tick(stepEnd: number): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerRoleOptions {
  /** Whether this process also ticks the step timer. Several may: tick ids are per step. */
  scheduler: boolean;
  /** Clock, default Date.now (tests shift it). */
  now?: () => number;
  /**
   * Default true: when the hour turns, a step is served the previous hour's baselines while the
   * new ones load, instead of waiting for a 28-day scan. That step may then differ from what
   * `detect` replays for it (a replay always waits); false makes every step wait, as a replay does.
   */
  baselinesInBackground?: boolean;
}

/**
 * The detection pipeline as queue jobs. Every step a tick job `tick:<stepEnd>` lists the active
 * vendors and fans out one job per shard of up to 200 vendors (`detect:<stepEnd>:<first>..<last>`,
 * sorted, so ids are deterministic and a second scheduler or a retried tick adds nothing). A shard
 * job is one `runDetectionStep` (app/detection-step.ts, the step `detect` replays too): it reads
 * the store once for its vendors and runs the detectors; then, per vendor and under that vendor's
 * lock, it advances the alert lifecycle from the state stored for the vendor's previous step,
 * writes the state changes to `alerts`, enqueues notifications, and only then stores the new step
 * state — which is also the record that (vendor, step) was evaluated, so a job that died half way
 * is redone for the vendors it had not finished and skipped for the rest (app/live-step.ts).
 * Notification ids are per (receiver, group, state, window), so the redo cannot send twice.
 */
export async function startWorkerRole(config: Config, store: Store, queue: QueueRuntime, options: WorkerRoleOptions): Promise<WorkerRole> {
  const now = options.now ?? Date.now;
  const stepMs = config.detection.step_seconds * 1000;
  // A worker alone (scale-out) serves nothing and cannot know how users reach the collectors.
  const links = linkBase(config);
  if (links.source === 'default') log.warn({ base: links.url }, 'alert links point at the collector default address; set EGRESSWATCH_EXTERNAL_URL (alerts.external_url) to how your team reaches the collector');
  const notifier = createNotifier({ store, backend: queue.backend, config, work: true });
  const recorded: StepStateStore<AlertStates> = queue.redisUrl
    ? new RedisStepStateStore<AlertStates>(queue.redisUrl, 'egresswatch:alert-state')
    : new MemoryStepStateStore<AlertStates>();

  const ctx = detectionContext(store, config, { refreshInBackground: options.baselinesInBackground ?? true });
  const sink = liveSink(store, notifier);
  // One read of the store for a whole shard (the detectors run per vendor on it); runDetectionStep
  // then steps each vendor under its lock, skipping vendors whose step is already recorded. A
  // vendor that fails is logged and counted and the others go on; the job then fails so the queue
  // retries it, and the retry redoes only the vendors whose step is not recorded.
  const runShard = async ({ vendors, stepEnd }: VendorJob): Promise<void> => {
    const result = await runDetectionStep(ctx, { stepEnd, vendors, states: liveVendorStates(store, recorded), sink });
    log.debug({ vendors: vendors.length, stepEnd: new Date(stepEnd).toISOString(), findings: result.findings.length, skipped: result.skipped.length }, 'detection shard evaluated');
    if (result.failed.length > 0) throw new Error(`${result.failed.length} of ${vendors.length} vendors of this shard failed (see the log); the others were evaluated`);
  };
  const vendorQueue: JobQueue<VendorJob> = queue.backend.queue<VendorJob>(VENDOR_QUEUE, (job) => runShard(job), { attempts: 5, backoffMs: 2_000, concurrency: 2 });

  /** Adds the step's shard jobs (ids deduplicate a second scheduler or a retried tick); returns their ids. */
  const fanOut = async ({ stepEnd }: TickJob): Promise<string[]> => {
    const historyFrom = stepEnd - config.detection.history_days * 86_400_000;
    const active = new Set(await listActiveVendors(store, historyFrom));
    for (const a of await loadFiringAlerts(store)) active.add(a.vendor);
    const sorted = [...active].sort();
    const ids: string[] = [];
    for (let i = 0; i < sorted.length; i += VENDORS_PER_JOB) {
      const vendors = sorted.slice(i, i + VENDORS_PER_JOB);
      const id = `detect:${stepEnd}:${vendors[0]}..${vendors[vendors.length - 1]}`;
      await vendorQueue.add(id, { vendors, stepEnd });
      ids.push(id);
    }
    log.debug({ stepEnd: new Date(stepEnd).toISOString(), vendors: sorted.length }, 'detection tick');
    return ids;
  };
  const tickQueue: JobQueue<TickJob> = queue.backend.queue<TickJob>(
    TICK_QUEUE,
    async (job) => {
      await fanOut(job);
    },
    { attempts: 5, backoffMs: 2_000, concurrency: 1 },
  );

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const schedule = (): void => {
    if (closed) return;
    const t = now();
    const next = Math.floor(t / stepMs) * stepMs + stepMs;
    timer = setTimeout(() => {
      void tickQueue.add(`tick:${next}`, { stepEnd: next }).catch((err: Error) => log.error({ err: err.message }, 'could not enqueue the detection tick'));
      schedule();
    }, next - t);
    timer.unref();
  };
  if (options.scheduler) schedule();
  log.info({ stepSeconds: config.detection.step_seconds, scheduler: options.scheduler, queue: queue.backend.kind }, 'worker started');

  return {
    notifier,
    tick: async (stepEnd) => {
      await tickQueue.add(`tick:${stepEnd}`, { stepEnd });
      await tickQueue.waitFor([`tick:${stepEnd}`], 60_000);
      // The tick job's fan-out again, to learn its shard ids (it adds nothing the job added): a
      // caller stepping minute by minute must not start a step before the last one is done, or a
      // vendor's later step would be recorded first and its earlier one skipped.
      const shards = await fanOut({ stepEnd });
      const outcomes = await vendorQueue.waitFor(shards, 120_000);
      const failed = shards.filter((id) => outcomes[id] !== 'completed');
      if (failed.length > 0) throw new Error(`detection step ${new Date(stepEnd).toISOString()}: ${failed.length} of ${shards.length} shard jobs failed (see the log)`);
    },
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await tickQueue.close();
      await vendorQueue.close();
      await notifier.close();
      await recorded.close();
    },
  };
}
