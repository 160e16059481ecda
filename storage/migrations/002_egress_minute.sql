-- Per-minute rollup; detectors and dashboards read this, never the raw spans.
-- Counters are SimpleAggregateFunction(sum) so merges collapse rows of one key; latency keeps
-- a quantiles state so p50/p95/p99 can be merged over any range.
CREATE TABLE IF NOT EXISTS egress_minute
(
    minute          DateTime('UTC'),
    service         LowCardinality(String),
    vendor          LowCardinality(String),
    host            LowCardinality(String),
    method          LowCardinality(String),
    route           LowCardinality(String),
    calls           SimpleAggregateFunction(sum, UInt64),
    errors          SimpleAggregateFunction(sum, UInt64),
    request_bytes   SimpleAggregateFunction(sum, UInt64),
    response_bytes  SimpleAggregateFunction(sum, UInt64),
    duration_q      AggregateFunction(quantiles(0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (vendor, service, minute, host, method, route)
TTL minute + INTERVAL {rollup_retention_days} DAY DELETE;

-- An error is a transport failure (error_type set) or an HTTP status >= 500 or 429: what the
-- vendor did wrong or refused. Other 4xx are the caller's problem and count as calls only.
CREATE MATERIALIZED VIEW IF NOT EXISTS egress_minute_mv TO egress_minute AS
SELECT
    toStartOfMinute(timestamp) AS minute,
    service, vendor, host, method, route,
    count() AS calls,
    countIf(error_type != '' OR status_code >= 500 OR status_code = 429) AS errors,
    sum(request_bytes) AS request_bytes,
    sum(response_bytes) AS response_bytes,
    quantilesState(0.5, 0.95, 0.99)(duration_ns) AS duration_q
FROM egress_spans
GROUP BY minute, service, vendor, host, method, route;
