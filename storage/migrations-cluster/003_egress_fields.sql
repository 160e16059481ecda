-- Cluster variant of 003: each shard maps the fields of the spans it stores (same SQL as 003,
-- reading egress_spans_local); readers merge over the Distributed table.
CREATE TABLE IF NOT EXISTS egress_fields_local ON CLUSTER '{cluster}'
(
    vendor      LowCardinality(String),
    service     LowCardinality(String),
    route       LowCardinality(String),
    direction   LowCardinality(String),
    field       String,
    type        LowCardinality(String),
    pii         LowCardinality(String),
    first_seen  SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen   SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    calls       SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/egress_fields_local', '{replica}')
ORDER BY (vendor, service, route, direction, field, type, pii);

CREATE TABLE IF NOT EXISTS egress_fields ON CLUSTER '{cluster}' AS egress_fields_local
ENGINE = Distributed('{cluster}', currentDatabase(), egress_fields_local, cityHash64(vendor, service));

-- `path:type` and `path:class` are split on the LAST ':' (the SDK keeps ':' out of paths).
-- Each field joins the PII classes recorded for the same path; a PII entry without a field
-- entry still lands, with type ''. Calls repeat a handful of shapes, so each insert first
-- collapses to its distinct (route, fields, pii) shapes and only those are split: the string
-- work is per shape, not per span.
CREATE MATERIALIZED VIEW IF NOT EXISTS egress_fields_request_mv ON CLUSTER '{cluster}' TO egress_fields_local AS
SELECT vendor, service, route, 'request' AS direction,
       entry.1 AS field, entry.2 AS type, entry.3 AS pii,
       min(first) AS first_seen, max(last) AS last_seen, sum(n) AS calls
FROM
(
    SELECT vendor, service, route, request_fields AS shape_fields, request_pii AS shape_pii,
           min(toDateTime64(timestamp, 3)) AS first, max(toDateTime64(timestamp, 3)) AS last, count() AS n
    FROM egress_spans_local
    WHERE notEmpty(request_fields) OR notEmpty(request_pii)
    GROUP BY vendor, service, route, shape_fields, shape_pii
)
ARRAY JOIN arrayConcat(
        arrayFlatten(arrayMap(f -> arrayMap(c -> (replaceRegexpOne(f, ':[^:]*$', ''), extract(f, ':([^:]*)$'), c),
            if(empty(arrayFilter(p -> replaceRegexpOne(p, ':[^:]*$', '') = replaceRegexpOne(f, ':[^:]*$', ''), shape_pii)), [''],
               arrayMap(p -> extract(p, ':([^:]*)$'), arrayFilter(p -> replaceRegexpOne(p, ':[^:]*$', '') = replaceRegexpOne(f, ':[^:]*$', ''), shape_pii)))), shape_fields)),
        arrayMap(p -> (replaceRegexpOne(p, ':[^:]*$', ''), '', extract(p, ':([^:]*)$')),
            arrayFilter(p -> NOT has(arrayMap(f -> replaceRegexpOne(f, ':[^:]*$', ''), shape_fields), replaceRegexpOne(p, ':[^:]*$', '')), shape_pii))) AS entry
GROUP BY vendor, service, route, field, type, pii;

CREATE MATERIALIZED VIEW IF NOT EXISTS egress_fields_response_mv ON CLUSTER '{cluster}' TO egress_fields_local AS
SELECT vendor, service, route, 'response' AS direction,
       entry.1 AS field, entry.2 AS type, entry.3 AS pii,
       min(first) AS first_seen, max(last) AS last_seen, sum(n) AS calls
FROM
(
    SELECT vendor, service, route, response_fields AS shape_fields, response_pii AS shape_pii,
           min(toDateTime64(timestamp, 3)) AS first, max(toDateTime64(timestamp, 3)) AS last, count() AS n
    FROM egress_spans_local
    WHERE notEmpty(response_fields) OR notEmpty(response_pii)
    GROUP BY vendor, service, route, shape_fields, shape_pii
)
ARRAY JOIN arrayConcat(
        arrayFlatten(arrayMap(f -> arrayMap(c -> (replaceRegexpOne(f, ':[^:]*$', ''), extract(f, ':([^:]*)$'), c),
            if(empty(arrayFilter(p -> replaceRegexpOne(p, ':[^:]*$', '') = replaceRegexpOne(f, ':[^:]*$', ''), shape_pii)), [''],
               arrayMap(p -> extract(p, ':([^:]*)$'), arrayFilter(p -> replaceRegexpOne(p, ':[^:]*$', '') = replaceRegexpOne(f, ':[^:]*$', ''), shape_pii)))), shape_fields)),
        arrayMap(p -> (replaceRegexpOne(p, ':[^:]*$', ''), '', extract(p, ':([^:]*)$')),
            arrayFilter(p -> NOT has(arrayMap(f -> replaceRegexpOne(f, ':[^:]*$', ''), shape_fields), replaceRegexpOne(p, ':[^:]*$', '')), shape_pii))) AS entry
GROUP BY vendor, service, route, field, type, pii;
