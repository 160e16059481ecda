import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';

/**
 * The collector's Prometheus metrics, on prom-client's default registry (which /metrics
 * serves, with whatever other modules register there).
 */
export const spansReceived = new Counter({ name: 'egresswatch_spans_received_total', help: 'Spans received on /v1/traces (all kinds).' });
export const spansAccepted = new Counter({ name: 'egresswatch_spans_accepted_total', help: 'Egress spans written to the store and acknowledged.' });
export const spansRejected = new Counter({
  name: 'egresswatch_spans_rejected_total',
  help: 'Spans not stored, by reason (invalid_ids, invalid_time, no_host: reported as rejected to the sender; not_egress, ignored_host: skipped by design; decode, too_large, saturated, store_error: whole requests).',
  labelNames: ['reason'] as const,
});
/**
 * PII entries not stored, from every span (the decode worker's included): the span is kept, the
 * entry is not, so without this an SDK that writes `customer.email:e-mail` loses the PII alert
 * with no trace. Upper-case classes are not counted: they are stored lower-cased.
 */
export const piiEntriesDropped = new Counter({
  name: 'egresswatch_pii_entries_dropped_total',
  help: "egress.request.pii / egress.response.pii entries not stored, by reason (invalid_class: the class is not letters, digits and '_'; malformed: not a 'path:class' string). The span itself is stored.",
  labelNames: ['reason'] as const,
});
export const requestsTotal = new Counter({ name: 'egresswatch_otlp_requests_total', help: 'OTLP export requests by HTTP status.', labelNames: ['status'] as const });
export const batchInsertSeconds = new Histogram({
  name: 'egresswatch_batch_insert_seconds',
  help: 'Duration of one batch insert into egress_spans.',
  labelNames: ['outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});
export const batchRows = new Histogram({ name: 'egresswatch_batch_rows', help: 'Spans per batch insert.', buckets: [1, 10, 100, 500, 1000, 2000, 5000, 10000, 20000, 50000] });
export const queueDepth = new Gauge({ name: 'egresswatch_write_queue_spans', help: 'Spans waiting for the next batch insert.' });

let defaultsStarted = false;
/** Process metrics (CPU, RSS, event-loop lag), once per process. */
export function startProcessMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ prefix: 'egresswatch_' });
}

export { register as metricsRegistry };
