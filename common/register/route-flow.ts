/**
 * What the privacy register is built from: per (service, vendor, route), the calls in a window
 * and the fields with their PII classes. storage/register-queries.ts reads them; everything in
 * common/register/ is pure over them, so the CLI can judge an instance's data by its own config
 * (as `policy check` does) and tests can feed plain values.
 */

/** One field of a route as one service sends or receives it. */
export interface FlowField {
  direction: 'request' | 'response';
  field: string;
  types: string[];
  pii: string[];
  /** Lifetime calls that carried the field (egress_fields counts are not per window). */
  calls: number;
  /** RFC 3339. */
  first_seen: string;
  last_seen: string;
}

/** One (service, vendor, route) seen in the window. */
export interface RouteFlow {
  service: string;
  vendor: string;
  route: string;
  methods: string[];
  hosts: string[];
  /** Calls and errors within the window (egress_minute). */
  calls: number;
  errors: number;
  /** RFC 3339, within the window: first and last minute with a call. */
  first_seen: string;
  last_seen: string;
  fields: FlowField[];
}

/** The PII classes a route flow sends (request fields), sorted. */
export function sentClasses(flow: Pick<RouteFlow, 'fields'>): string[] {
  const out = new Set<string>();
  for (const f of flow.fields) if (f.direction === 'request') for (const c of f.pii) out.add(c);
  return [...out].sort();
}
