-- Cluster variant of 010: each shard rolls up the PII of the spans it stores.
CREATE TABLE IF NOT EXISTS egress_pii_daily_local ON CLUSTER '{cluster}'
(
    day      Date,
    vendor   LowCardinality(String),
    service  LowCardinality(String),
    route    LowCardinality(String),
    field    String,
    pii      LowCardinality(String),
    calls    SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/egress_pii_daily_local', '{replica}')
PARTITION BY toYYYYMM(day)
ORDER BY (vendor, day, service, route, field, pii)
TTL day + INTERVAL {rollup_retention_days} DAY DELETE;

CREATE TABLE IF NOT EXISTS egress_pii_daily ON CLUSTER '{cluster}' AS egress_pii_daily_local
ENGINE = Distributed('{cluster}', currentDatabase(), egress_pii_daily_local, cityHash64(vendor, service));

-- `path:class` is split on the LAST ':' as in egress_fields (the SDK keeps ':' out of paths).
-- Each insert first collapses to its distinct PII shapes, so the string work is per shape.
CREATE MATERIALIZED VIEW IF NOT EXISTS egress_pii_daily_mv ON CLUSTER '{cluster}' TO egress_pii_daily_local AS
SELECT day, vendor, service, route,
       replaceRegexpOne(entry, ':[^:]*$', '') AS field,
       extract(entry, ':([^:]*)$') AS pii,
       sum(n) AS calls
FROM
(
    SELECT toDate(timestamp) AS day, vendor, service, route, request_pii AS shape_pii, count() AS n
    FROM egress_spans_local
    WHERE notEmpty(request_pii)
    GROUP BY day, vendor, service, route, shape_pii
)
ARRAY JOIN shape_pii AS entry
WHERE pii != ''
GROUP BY day, vendor, service, route, field, pii;

-- Run once, from the node that migrates, through the Distributed tables: every shard's spans,
-- each day's rows sent to the shard of its (vendor, service).
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
