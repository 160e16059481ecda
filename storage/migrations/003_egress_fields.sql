-- The data map: which field paths, of which type and PII class, go to which vendor and route.
-- One row per (vendor, service, route, direction, field, type, pii); pii = '' for no class.
CREATE TABLE IF NOT EXISTS egress_fields
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
ENGINE = AggregatingMergeTree
ORDER BY (vendor, service, route, direction, field, type, pii);

-- `path:type` and `path:class` are split on the LAST ':' (the SDK keeps ':' out of paths).
-- Each field joins the PII classes recorded for the same path; a PII entry without a field
-- entry still lands, with type ''.
CREATE MATERIALIZED VIEW IF NOT EXISTS egress_fields_request_mv TO egress_fields AS
SELECT vendor, service, route, 'request' AS direction,
       entry.1 AS field, entry.2 AS type, entry.3 AS pii,
       min(toDateTime64(timestamp, 3)) AS first_seen, max(toDateTime64(timestamp, 3)) AS last_seen, count() AS calls
FROM egress_spans
ARRAY JOIN arrayConcat(
    arrayFlatten(arrayMap(f -> arrayMap(c -> (replaceRegexpOne(f, ':[^:]*$', ''), extract(f, ':([^:]*)$'), c),
        if(empty(arrayFilter(p -> replaceRegexpOne(p, ':[^:]*$', '') = replaceRegexpOne(f, ':[^:]*$', ''), request_pii)), [''],
           arrayMap(p -> extract(p, ':([^:]*)$'), arrayFilter(p -> replaceRegexpOne(p, ':[^:]*$', '') = replaceRegexpOne(f, ':[^:]*$', ''), request_pii)))), request_fields)),
    arrayMap(p -> (replaceRegexpOne(p, ':[^:]*$', ''), '', extract(p, ':([^:]*)$')),
        arrayFilter(p -> NOT has(arrayMap(f -> replaceRegexpOne(f, ':[^:]*$', ''), request_fields), replaceRegexpOne(p, ':[^:]*$', '')), request_pii))) AS entry
GROUP BY vendor, service, route, field, type, pii;

CREATE MATERIALIZED VIEW IF NOT EXISTS egress_fields_response_mv TO egress_fields AS
SELECT vendor, service, route, 'response' AS direction,
       entry.1 AS field, entry.2 AS type, entry.3 AS pii,
       min(toDateTime64(timestamp, 3)) AS first_seen, max(toDateTime64(timestamp, 3)) AS last_seen, count() AS calls
FROM egress_spans
ARRAY JOIN arrayConcat(
    arrayFlatten(arrayMap(f -> arrayMap(c -> (replaceRegexpOne(f, ':[^:]*$', ''), extract(f, ':([^:]*)$'), c),
        if(empty(arrayFilter(p -> replaceRegexpOne(p, ':[^:]*$', '') = replaceRegexpOne(f, ':[^:]*$', ''), response_pii)), [''],
           arrayMap(p -> extract(p, ':([^:]*)$'), arrayFilter(p -> replaceRegexpOne(p, ':[^:]*$', '') = replaceRegexpOne(f, ':[^:]*$', ''), response_pii)))), response_fields)),
    arrayMap(p -> (replaceRegexpOne(p, ':[^:]*$', ''), '', extract(p, ':([^:]*)$')),
        arrayFilter(p -> NOT has(arrayMap(f -> replaceRegexpOne(f, ':[^:]*$', ''), response_fields), replaceRegexpOne(p, ':[^:]*$', '')), response_pii))) AS entry
GROUP BY vendor, service, route, field, type, pii;
