-- Cluster variant of 006: a notification's attempts on one shard (sharded by job id).
CREATE TABLE IF NOT EXISTS notification_attempts_local ON CLUSTER '{cluster}'
(
    at             DateTime64(3, 'UTC'),
    job_id         String,
    receiver       LowCardinality(String),
    receiver_type  LowCardinality(String),
    group_key      String,
    status         LowCardinality(String),
    fingerprints   Array(String),
    attempt        UInt16,
    outcome        LowCardinality(String),
    http_status    UInt16,
    error          String,
    duration_ms    UInt32
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/notification_attempts_local', '{replica}')
PARTITION BY toYYYYMM(at)
ORDER BY (job_id, at)
TTL toDateTime(at) + INTERVAL 90 DAY DELETE;

CREATE TABLE IF NOT EXISTS notification_attempts ON CLUSTER '{cluster}' AS notification_attempts_local
ENGINE = Distributed('{cluster}', currentDatabase(), notification_attempts_local, cityHash64(job_id));
