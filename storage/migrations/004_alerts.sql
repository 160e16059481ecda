-- Every state change of every alert (append-only history). The current state of an alert is
-- its row with the greatest updated_at: argMax(…, updated_at) GROUP BY fingerprint.
CREATE TABLE IF NOT EXISTS alerts
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
ENGINE = MergeTree
PARTITION BY toYYYYMM(updated_at)
ORDER BY (fingerprint, updated_at);
