-- Alert state changes that `egresswatch detect --record` computed over a past window. Kept apart
-- from `alerts` (the live history): a replay must never change what is firing now, what the
-- worker resumes from after a restart, or what the dashboards count. Same columns as `alerts`,
-- plus the replay that wrote the row and when; updated_at is the replayed step of the change.
CREATE TABLE IF NOT EXISTS replay_alerts
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
ENGINE = MergeTree
PARTITION BY toYYYYMM(recorded_at)
ORDER BY (replay_id, fingerprint, updated_at);
