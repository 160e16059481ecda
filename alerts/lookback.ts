import type { AlertKind, Finding } from '../common/types.js';
import { alertFingerprint } from './fingerprint.js';

interface Run {
  vendor: string;
  /** Steps the run's gap must last before no earlier step can matter (the rule's `resolveAfterSteps`). */
  gap: number;
  /** The earliest step (counted back from the window, 1 = just before it) the run has reached so far. */
  earliest: number;
  /** Followed back to a gap of `gap` steps: the lifecycle starts from nothing there. */
  settled: boolean;
}

/**
 * How far a replay must look back before its window for the alert lifecycle to reach the window
 * in the state a live worker would have had, whatever `--from` is.
 *
 * An alert's state depends only on the run of steps with its finding (or a `sustain`) that leads
 * up to a step: a gap of `resolveAfterSteps` steps resolves a firing alert and, being at least
 * one step, restarts a pending one, so nothing before such a gap can matter. Fed the findings of
 * the steps before the window, newest first, this says which vendors still have a run that has
 * not been followed back to such a gap (those must be read further back) and when none has.
 * Pure; `resolveAfter` is the rule book's `resolveAfterSteps`.
 */
export class LookbackTracker {
  private readonly runs = new Map<string, Run>();
  private stepsBack = 0;

  constructor(
    private readonly resolveAfter: (vendor: string, kind: AlertKind) => number,
    /** Steps always read back: the longest `resolveAfterSteps` of any rule (a run closer than that may be open). */
    readonly minSteps: number,
  ) {}

  /** The findings of the step `k` steps before the window; call for k = 1, 2, … in order. */
  observe(k: number, findings: readonly Finding[]): void {
    this.stepsBack = k;
    for (const f of findings) {
      const fp = alertFingerprint(f);
      const run = this.runs.get(fp);
      if (!run) {
        const gap = this.resolveAfter(f.vendor, f.kind);
        // Seen first this far back: the steps between here and the window are its gap.
        this.runs.set(fp, { vendor: f.vendor, gap, earliest: k, settled: k - 1 >= gap });
      } else if (!run.settled) {
        run.earliest = k;
      }
    }
    for (const run of this.runs.values()) if (!run.settled && k - run.earliest >= run.gap) run.settled = true;
  }

  /** Runs still unsettled: their vendors must be read further back. */
  unsettledVendors(): string[] {
    return [...new Set([...this.runs.values()].filter((r) => !r.settled).map((r) => r.vendor))].sort();
  }

  /** Runs that would still reach further back than has been read. */
  get unsettled(): number {
    let n = 0;
    for (const r of this.runs.values()) if (!r.settled) n++;
    return n;
  }

  /** Whether the look-back may stop: every run that could reach the window has been followed to its gap. */
  get done(): boolean {
    return this.stepsBack >= this.minSteps && this.unsettled === 0;
  }
}
