-- Cluster variant of 008: a replay's rows on one shard (sharded by replay id).
CREATE TABLE IF NOT EXISTS replay_alerts_local ON CLUSTER '{cluster}'
(
    replay_id    String,
    recorded_at  DateTime64(3, 'UTC'),
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/replay_alerts_local', '{replica}')
PARTITION BY toYYYYMM(recorded_at)
ORDER BY (replay_id, fingerprint, updated_at);

CREATE TABLE IF NOT EXISTS replay_alerts ON CLUSTER '{cluster}' AS replay_alerts_local
ENGINE = Distributed('{cluster}', currentDatabase(), replay_alerts_local, cityHash64(replay_id));
