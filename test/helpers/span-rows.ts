/**
 * `egress_spans` rows for tests that insert straight into the store (JSONEachRow); the
 * materialized views fill `egress_minute`, `egress_fields` and `egress_pii_daily` as ingest would.
 */

/** The columns a test usually sets; any other column of `egress_spans` may be given too. */
export interface SpanRowInput {
  /** When the call happened, epoch ms (default now); `timestamp` as the engine reads it wins if given. */
  timestampMs?: number;
  timestamp?: string;
  service?: string;
  environment?: string;
  vendor?: string;
  host?: string;
  method?: string;
  route?: string;
  status_code?: number;
  error_type?: string;
  duration_ns?: number;
  request_bytes?: number;
  response_bytes?: number;
  request_fields?: string[];
  request_pii?: string[];
  response_fields?: string[];
  response_pii?: string[];
  shape_hash?: string;
  attributes?: Record<string, string>;
  [column: string]: unknown;
}

/** Epoch ms as a DateTime64(9) the engine reads exactly: `seconds.nanoseconds`. */
export function spanTimestamp(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${seconds}.${String(Math.round((ms - seconds * 1000) * 1e6)).padStart(9, '0')}`;
}

/** One `egress_spans` row: a plain 200 POST from checkout to Stripe now, overridden by `o`. */
export function spanRow(o: SpanRowInput = {}): Record<string, unknown> {
  const { timestampMs, ...columns } = o;
  return {
    timestamp: spanTimestamp(timestampMs ?? Date.now()),
    trace_id: 'a'.repeat(32),
    span_id: 'b'.repeat(16),
    service: 'checkout',
    environment: 'prod',
    vendor: 'stripe',
    host: 'api.stripe.com',
    method: 'POST',
    route: '/v1/charges',
    status_code: 200,
    error_type: '',
    request_fields: [],
    request_pii: [],
    response_fields: [],
    response_pii: [],
    shape_hash: '',
    attributes: {},
    ...columns,
  };
}
