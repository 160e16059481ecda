-- The privacy KPI: which fields carry which PII class to which vendor, per day (UTC). Request
-- side only: what is sent to third parties. The tier of a class is configuration
-- (pii.tiers), not data, so the rollup keeps classes and readers pick the sensitive ones
-- (storage/register-queries.ts). Small: one row per (day, vendor, service, route, field, class).
CREATE TABLE IF NOT EXISTS egress_pii_daily
(
    day      Date,
    vendor   LowCardinality(String),
    service  LowCardinality(String),
    route    LowCardinality(String),
    field    String,
    pii      LowCardinality(String),
    calls    SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (vendor, day, service, route, field, pii)
TTL day + INTERVAL {rollup_retention_days} DAY DELETE;

-- `path:class` is split on the LAST ':' as in egress_fields (the SDK keeps ':' out of paths).
-- Each insert first collapses to its distinct PII shapes, so the string work is per shape.
CREATE MATERIALIZED VIEW IF NOT EXISTS egress_pii_daily_mv TO egress_pii_daily AS
SELECT day, vendor, service, route,
       replaceRegexpOne(entry, ':[^:]*$', '') AS field,
       extract(entry, ':([^:]*)$') AS pii,
       sum(n) AS calls
FROM
(
    SELECT toDate(timestamp) AS day, vendor, service, route, request_pii AS shape_pii, count() AS n
    FROM egress_spans
    WHERE notEmpty(request_pii)
    GROUP BY day, vendor, service, route, shape_pii
)
ARRAY JOIN shape_pii AS entry
WHERE pii != ''
GROUP BY day, vendor, service, route, field, pii;

-- The spans still kept (retention_days) fill the days before the upgrade, so the trend has a
-- past from the first look. The view exists first: a span stored while this runs is counted
-- twice in `calls`, never missed (the KPI counts distinct fields, which a double count leaves alone).
INSERT INTO egress_pii_daily
SELECT day, vendor, service, route,
       replaceRegexpOne(entry, ':[^:]*$', '') AS field,
       extract(entry, ':([^:]*)$') AS pii,
       sum(n) AS calls
FROM
(
    SELECT toDate(timestamp) AS day, vendor, service, route, request_pii AS shape_pii, count() AS n
    FROM egress_spans
    WHERE notEmpty(request_pii)
    GROUP BY day, vendor, service, route, shape_pii
)
ARRAY JOIN shape_pii AS entry
WHERE pii != ''
GROUP BY day, vendor, service, route, field, pii;
