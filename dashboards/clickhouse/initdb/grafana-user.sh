#!/bin/bash
# Runs once, on the first start of an empty ClickHouse volume (docker-entrypoint-initdb.d).
# Grafana gets its own read-only user: the datasource runs whatever SQL a dashboard editor
# types, so it must not be able to write or drop. readonly=2 (not 1) because the plugin sets
# max_execution_time per query.
set -euo pipefail
password="${GRAFANA_CLICKHOUSE_PASSWORD:?GRAFANA_CLICKHOUSE_PASSWORD is not set}"
quoted="${password//\'/\'\'}"
clickhouse client --user "${CLICKHOUSE_USER:-default}" --password "${CLICKHOUSE_PASSWORD:-}" --multiquery <<SQL
CREATE USER IF NOT EXISTS grafana IDENTIFIED WITH sha256_password BY '${quoted}' SETTINGS readonly = 2;
GRANT SELECT ON default.* TO grafana;
GRANT SELECT ON system.parts TO grafana;
SQL
