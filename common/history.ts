import type { MinuteRollup } from './types.js';

/**
 * What the pure detectors read: plain values, assembled by storage/detection-queries.ts from
 * ClickHouse (or by tests by hand). Nothing here knows where the numbers came from.
 */

/** Quantiles of one metric's per-minute values over the minutes of one season slot that had traffic. */
export interface SlotQuantiles {
  q25: number;
  q50: number;
  q75: number;
}

/** One season slot (an hour of the week or of the day) of one series, over the baseline history. */
export interface SlotStats {
  /** Minutes of this slot in the baseline history, with or without traffic. */
  minutes: number;
  /** Minutes of this slot that had at least one call. */
  active: number;
  calls: SlotQuantiles;
  requestBytes: SlotQuantiles;
  responseBytes: SlotQuantiles;
}

/** Long-run figures of one series, not seasonal. */
export interface SeriesBaseline {
  /** First minute (epoch ms) this series had traffic within the history read. */
  firstMinute: number;
  /** Hour-of-week slots (0 = Monday 00:00 UTC … 167) with history. */
  hourOfWeek: Map<number, SlotStats>;
  /** Hour-of-day slots (0 … 23 UTC) with history. */
  hourOfDay: Map<number, SlotStats>;
  /** errors / calls over the history. */
  errorRatio: number;
  /** Calls over the history (the error ratio's weight). */
  calls: number;
  /** Usual p95 latency (ms): over all calls of the last day (live) or the median per-minute p95 (tests). */
  latencyP95Median: number;
  /** Spread of the per-minute p95 when known; NaN leaves the detector's 10% floor. */
  latencyP95Mad: number;
  /** Median request bytes per call over the history. */
  requestBytesPerCall: number;
}

/** One traffic series, (vendor, service) or the vendor as a whole (service ''). */
export interface TrafficSeries {
  vendor: string;
  service: string;
  /** Recent minutes, oldest first, one per minute (zeros filled), ending at the evaluated minute. */
  minutes: MinuteRollup[];
  /**
   * Totals of the complete hours just before the recent minutes, oldest first (the recent level).
   * `errors` where the store reads them: the error rule then also knows the recent error ratio.
   */
  recentHours: Array<{ hour: number; calls: number; requestBytes: number; responseBytes: number; errors?: number }>;
  baseline: SeriesBaseline;
}

/** One entry of the learned data map (`egress_fields`). */
export interface MapField {
  vendor: string;
  service: string;
  route: string;
  direction: 'request' | 'response';
  field: string;
  type: string;
  /** '' when no PII class. */
  pii: string;
  firstSeen: number;
  lastSeen: number;
  calls: number;
}

/** When each vendor + route was first seen and how many calls it had in the recent window. */
export interface RouteActivity {
  vendor: string;
  route: string;
  firstSeen: number;
  /** Calls in the last `schema_removed_after_minutes` before the evaluated window ends. */
  recentCalls: number;
}

/** A destination (service → vendor, host) and when it was first and last seen. */
export interface Destination {
  service: string;
  vendor: string;
  host: string;
  firstSeen: number;
  lastSeen: number;
}
