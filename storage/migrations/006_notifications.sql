-- Every notification attempt and its outcome: delivered, retrying (will be tried again) or
-- failed (for good). job_id is the deterministic notification id (receiver, group, state, window).
CREATE TABLE IF NOT EXISTS notification_attempts
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
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (job_id, at)
TTL toDateTime(at) + INTERVAL 90 DAY DELETE;
