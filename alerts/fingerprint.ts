import { createHash } from 'node:crypto';
import type { AlertKind } from '../common/types.js';

/** What identifies one alert: docs/ARCHITECTURE.md's fingerprint inputs. */
export interface AlertIdentity {
  kind: AlertKind;
  vendor: string;
  service: string;
  route?: string | undefined;
  field?: string | undefined;
}

/**
 * Fingerprint = hash(kind, vendor, service, route, field): 16 hex digits (Alertmanager's width).
 * NUL separates the parts so that ('a', 'bc') and ('ab', 'c') differ.
 */
export function alertFingerprint(id: AlertIdentity): string {
  const parts = [id.kind, id.vendor, id.service, id.route ?? '', id.field ?? ''];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}
