-- Silences (label matchers with a time range). A change (expiry) is a new row with a later
-- updated_at; the current version of a silence is argMax(…, updated_at) GROUP BY id.
CREATE TABLE IF NOT EXISTS silences
(
    id          String,
    matchers    Array(String),
    starts_at   DateTime64(3, 'UTC'),
    ends_at     DateTime64(3, 'UTC'),
    created_by  String,
    comment     String,
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;
