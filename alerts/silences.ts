import type { Alert } from '../common/types.js';
import { allMatch, type LabelMatcher } from '../common/label-matchers.js';

/** A silence: alerts whose labels match every matcher are not notified between start and end. */
export interface Silence {
  id: string;
  matchers: LabelMatcher[];
  /** RFC 3339. */
  startsAt: string;
  /** RFC 3339; expiring a silence sets this to the expiry time. */
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** Whether the silence is in force at `atMs`. */
export function silenceActive(silence: Silence, atMs: number): boolean {
  return Date.parse(silence.startsAt) <= atMs && atMs < Date.parse(silence.endsAt);
}

/** The id of the first active silence matching the alert's labels, if any. */
export function silencedBy(alert: Pick<Alert, 'labels'>, silences: readonly Silence[], atMs: number): string | undefined {
  return silences.find((s) => silenceActive(s, atMs) && s.matchers.length > 0 && allMatch(s.matchers, alert.labels))?.id;
}
