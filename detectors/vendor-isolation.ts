import { Counter } from 'prom-client';
import { logger } from '../common/logger.js';

const log = logger('detectors');

/** Vendors whose evaluation failed in one stage, by stage; the other vendors went on. */
export const detectionFailuresTotal = new Counter({
  name: 'egresswatch_detection_vendor_failures_total',
  help: 'Vendor evaluations that failed (by stage); the other vendors of the step were still evaluated.',
  labelNames: ['stage'] as const,
});

/** Logs and counts one vendor's failure in one stage of a detection step. */
export function reportVendorFailure(stage: string, vendor: string, err: unknown): void {
  detectionFailuresTotal.inc({ stage });
  log.error({ stage, vendor, err: err instanceof Error ? err.message : String(err) }, 'vendor evaluation failed; the other vendors go on');
}

/**
 * Runs `all` over every vendor at once, the fast path. If it throws, runs `one` per vendor, so a
 * vendor whose data trips a detector costs only its own findings, never its shard's: span data is
 * written by whoever reaches the collector, and one crafted span must not blind the rest.
 */
export function isolatePerVendor<T>(stage: string, vendors: Iterable<string>, all: () => T[], one: (vendor: string) => T[]): T[] {
  try {
    return all();
  } catch {
    const out: T[] = [];
    for (const vendor of new Set(vendors)) {
      try {
        out.push(...one(vendor));
      } catch (err) {
        reportVendorFailure(stage, vendor, err);
      }
    }
    return out;
  }
}
