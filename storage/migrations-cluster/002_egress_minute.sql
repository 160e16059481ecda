-- Cluster variant of 002: each shard rolls up the spans it stores.
CREATE TABLE IF NOT EXISTS egress_minute_local ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/egress_minute_local', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (vendor, service, minute, host, method, route)
TTL minute + INTERVAL {rollup_retention_days} DAY DELETE;

CREATE TABLE IF NOT EXISTS egress_minute ON CLUSTER '{cluster}' AS egress_minute_local
ENGINE = Distributed('{cluster}', currentDatabase(), egress_minute_local, cityHash64(vendor, service));

CREATE MATERIALIZED VIEW IF NOT EXISTS egress_minute_mv ON CLUSTER '{cluster}' TO egress_minute_local AS
SELECT
    toStartOfMinute(timestamp) AS minute,
    service, vendor, host, method, route,
    count() AS calls,
    countIf(error_type != '' OR status_code >= 500 OR status_code = 429) AS errors,
    sum(request_bytes) AS request_bytes,
    sum(response_bytes) AS response_bytes,
    quantilesState(0.5, 0.95, 0.99)(duration_ns) AS duration_q
FROM egress_spans_local
GROUP BY minute, service, vendor, host, method, route;
