-- Cluster variant of 001: spans sharded by (vendor, service), so a series lives on one shard.
CREATE TABLE IF NOT EXISTS egress_spans_local ON CLUSTER '{cluster}'
(
    timestamp        DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id         String CODEC(ZSTD(1)),
    span_id          String CODEC(ZSTD(1)),
    service          LowCardinality(String),
    environment      LowCardinality(String),
    vendor           LowCardinality(String),
    host             LowCardinality(String),
    method           LowCardinality(String),
    route            LowCardinality(String),
    status_code      UInt16,
    error_type       LowCardinality(String),
    duration_ns      UInt64 CODEC(T64, ZSTD(1)),
    request_bytes    UInt64 CODEC(T64, ZSTD(1)),
    response_bytes   UInt64 CODEC(T64, ZSTD(1)),
    request_fields   Array(LowCardinality(String)),
    request_pii      Array(LowCardinality(String)),
    response_fields  Array(LowCardinality(String)),
    response_pii     Array(LowCardinality(String)),
    shape_hash       LowCardinality(String),
    attributes       Map(LowCardinality(String), String) CODEC(ZSTD(1))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/egress_spans_local', '{replica}')
PARTITION BY toDate(timestamp)
ORDER BY (vendor, service, timestamp)
TTL toDateTime(timestamp) + INTERVAL {retention_days} DAY DELETE
SETTINGS ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS egress_spans ON CLUSTER '{cluster}' AS egress_spans_local
ENGINE = Distributed('{cluster}', currentDatabase(), egress_spans_local, cityHash64(vendor, service));
