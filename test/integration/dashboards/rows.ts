/**
 * Rows for the dashboard tests, inserted straight into the store as JSONEachRow: the materialized
 * views fill `egress_minute` and `egress_fields` from `egress_spans` as ingest would.
 */

/** One `egress_spans` row: the defaults of a plain 200 call, overridden by `o`. */
export function span(ts: string, o: Partial<Record<string, unknown>>): Record<string, unknown> {
  return {
    timestamp: ts,
    trace_id: 'a'.repeat(32),
    span_id: 'b'.repeat(16),
    environment: 'prod',
    status_code: 200,
    error_type: '',
    request_fields: [],
    request_pii: [],
    response_fields: [],
    response_pii: [],
    shape_hash: '',
    attributes: {},
    ...o,
  };
}

/** One `alerts` row: a firing warning volume spike unless `o` says otherwise. */
export function alertRow(o: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'volume_spike', severity: 'warning', service: 'checkout', route: '', field: '', summary: 's', value: 10, expected: 2, labels: {}, annotations: {}, ends_at: null, ...o };
}
