-- Cluster variant of 004: an alert's history on one shard (sharded by fingerprint).
CREATE TABLE IF NOT EXISTS alerts_local ON CLUSTER '{cluster}'
(
    fingerprint  String,
    kind         LowCardinality(String),
    severity     LowCardinality(String),
    status       LowCardinality(String),
    vendor       LowCardinality(String),
    service      LowCardinality(String),
    route        String,
    field        String,
    summary      String,
    value        Nullable(Float64),
    expected     Nullable(Float64),
    runbook_url  String,
    labels       Map(LowCardinality(String), String),
    annotations  Map(LowCardinality(String), String),
    starts_at    DateTime64(3, 'UTC'),
    ends_at      Nullable(DateTime64(3, 'UTC')),
    updated_at   DateTime64(3, 'UTC')
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/alerts_local', '{replica}')
PARTITION BY toYYYYMM(updated_at)
ORDER BY (fingerprint, updated_at);

CREATE TABLE IF NOT EXISTS alerts ON CLUSTER '{cluster}' AS alerts_local
ENGINE = Distributed('{cluster}', currentDatabase(), alerts_local, cityHash64(fingerprint));
