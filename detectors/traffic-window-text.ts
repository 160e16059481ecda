import type { TrafficSeries } from '../common/history.js';

/** The label of a series in alert texts: `checkout → stripe`, or `all services → stripe`. */
export function seriesLabel(series: Pick<TrafficSeries, 'vendor' | 'service'>): string {
  return series.service ? `${series.service} → ${series.vendor}` : `all services → ${series.vendor}`;
}

/**
 * Below this many expected calls in a window a ratio means nothing ("11325000000000.0× the
 * expected 0/min"): the text says "where there are usually none" instead, and the alert's
 * expected value is 0.
 */
export const USUALLY_NONE = 0.5;
