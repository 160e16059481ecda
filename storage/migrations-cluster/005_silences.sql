-- Cluster variant of 005: every version of a silence on one shard (sharded by id).
CREATE TABLE IF NOT EXISTS silences_local ON CLUSTER '{cluster}'
(
    id          String,
    matchers    Array(String),
    starts_at   DateTime64(3, 'UTC'),
    ends_at     DateTime64(3, 'UTC'),
    created_by  String,
    comment     String,
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/silences_local', '{replica}', updated_at)
ORDER BY id;

CREATE TABLE IF NOT EXISTS silences ON CLUSTER '{cluster}' AS silences_local
ENGINE = Distributed('{cluster}', currentDatabase(), silences_local, cityHash64(id));
