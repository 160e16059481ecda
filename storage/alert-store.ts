import type { Alert, AlertKind, AlertStatus, Severity } from '../common/types.js';
import { isoFromClickHouse } from './clickhouse-time.js';
import { wrapStoreError, type Store } from './store.js';

/** An alert as stored: the docs/ARCHITECTURE.md object plus when this state was written. */
export interface StoredAlert extends Alert {
  /** RFC 3339. */
  updatedAt: string;
}

export interface AlertFilter {
  status?: AlertStatus | undefined;
  /** Only alerts whose latest change is at or after this (epoch ms). */
  sinceMs?: number | undefined;
  fingerprint?: string | undefined;
  /** The state as it was before this time (epoch ms): changes written at or after it are ignored. */
  beforeMs?: number | undefined;
  /** Default 500. */
  limit?: number | undefined;
}

interface AlertRow {
  fingerprint: string;
  a_kind: string;
  a_severity: string;
  a_status: string;
  a_vendor: string;
  a_service: string;
  a_route: string;
  a_field: string;
  a_summary: string;
  a_value: number | null;
  a_expected: number | null;
  a_runbook_url: string;
  a_labels: Record<string, string>;
  a_annotations: Record<string, string>;
  a_starts_at: string;
  a_ends_at: string | null;
  a_updated_at: string;
}

/** The columns `alerts` and `replay_alerts` share, of one state change written at `updatedAtMs`. */
function alertRow(a: Alert, updatedAtMs: number): Record<string, unknown> {
  return {
    fingerprint: a.fingerprint,
    kind: a.kind,
    severity: a.severity,
    status: a.status,
    vendor: a.vendor,
    service: a.service,
    route: a.route ?? '',
    field: a.field ?? '',
    summary: a.summary,
    value: a.value ?? null,
    expected: a.expected ?? null,
    runbook_url: a.runbook_url,
    labels: a.labels,
    annotations: a.annotations,
    starts_at: a.startsAt,
    ends_at: a.endsAt ?? null,
    updated_at: new Date(updatedAtMs).toISOString(),
  };
}

/** Appends one row per state change (the `alerts` table is the history). `updatedAtMs` defaults to now. */
export async function recordAlerts(store: Store, alerts: readonly Alert[], updatedAtMs = Date.now()): Promise<void> {
  if (alerts.length === 0) return;
  try {
    await store.client.insert({ table: 'alerts', format: 'JSONEachRow', values: alerts.map((a) => alertRow(a, updatedAtMs)) });
  } catch (err) {
    throw wrapStoreError(err, 'cannot record alerts');
  }
}

/** One state change of a replay, at the replayed step that made it. */
export interface ReplayedChange {
  alert: Alert;
  atMs: number;
}

/**
 * `detect --record`: the replay's state changes go to `replay_alerts` under `replayId`, never to
 * `alerts` — a replay must not change what is firing now, what the worker resumes from, or what
 * the dashboards count (a replayed resolve once flipped live firing alerts to resolved).
 */
export async function recordReplayAlerts(store: Store, replayId: string, changes: readonly ReplayedChange[], recordedAtMs = Date.now()): Promise<void> {
  if (changes.length === 0) return;
  const recorded = new Date(recordedAtMs).toISOString();
  try {
    await store.client.insert({
      table: 'replay_alerts',
      format: 'JSONEachRow',
      values: changes.map((c) => ({ replay_id: replayId, recorded_at: recorded, ...alertRow(c.alert, c.atMs) })),
    });
  } catch (err) {
    throw wrapStoreError(err, 'cannot record the replayed alerts');
  }
}

/** The state changes one recorded replay wrote, in replayed order. */
export async function listReplayAlerts(store: Store, replayId: string): Promise<StoredAlert[]> {
  try {
    const rs = await store.client.query({
      query: `
        SELECT fingerprint, kind AS a_kind, severity AS a_severity, status AS a_status, vendor AS a_vendor, service AS a_service,
               route AS a_route, field AS a_field, summary AS a_summary, value AS a_value, expected AS a_expected,
               runbook_url AS a_runbook_url, labels AS a_labels, annotations AS a_annotations, starts_at AS a_starts_at,
               ends_at AS a_ends_at, updated_at AS a_updated_at
        FROM replay_alerts WHERE replay_id = {replayId:String}
        ORDER BY updated_at, fingerprint, status = 'resolved'`,
      query_params: { replayId },
      format: 'JSONEachRow',
    });
    return (await rs.json<AlertRow>()).map(fromRow);
  } catch (err) {
    throw wrapStoreError(err, 'cannot read the replayed alerts');
  }
}

/** Current and recent alerts: the latest row per fingerprint, newest first. */
export async function listAlerts(store: Store, filter: AlertFilter = {}): Promise<StoredAlert[]> {
  const where: string[] = [];
  if (filter.status) where.push('a_status = {status:String}');
  if (filter.sinceMs !== undefined) where.push('a_updated_at >= fromUnixTimestamp64Milli({since:Int64})');
  try {
    const rs = await store.client.query({
      query: `
        SELECT fingerprint,
               argMax(kind, updated_at) AS a_kind, argMax(severity, updated_at) AS a_severity,
               argMax(status, updated_at) AS a_status, argMax(vendor, updated_at) AS a_vendor,
               argMax(service, updated_at) AS a_service, argMax(route, updated_at) AS a_route,
               argMax(field, updated_at) AS a_field, argMax(summary, updated_at) AS a_summary,
               argMax(tuple(value), updated_at).1 AS a_value, argMax(tuple(expected), updated_at).1 AS a_expected,
               argMax(runbook_url, updated_at) AS a_runbook_url, argMax(labels, updated_at) AS a_labels,
               argMax(annotations, updated_at) AS a_annotations, argMax(starts_at, updated_at) AS a_starts_at,
               argMax(tuple(ends_at), updated_at).1 AS a_ends_at, max(updated_at) AS a_updated_at
        FROM alerts
        WHERE 1 ${filter.fingerprint ? 'AND fingerprint = {fingerprint:String}' : ''}
          ${filter.beforeMs !== undefined ? 'AND updated_at < fromUnixTimestamp64Milli({before:Int64})' : ''}
        GROUP BY fingerprint
        ${where.length > 0 ? `HAVING ${where.join(' AND ')}` : ''}
        ORDER BY a_updated_at DESC, fingerprint
        LIMIT {limit:UInt32}`,
      query_params: { status: filter.status ?? '', since: filter.sinceMs ?? 0, before: filter.beforeMs ?? 0, fingerprint: filter.fingerprint ?? '', limit: filter.limit ?? 500 },
      format: 'JSONEachRow',
    });
    return (await rs.json<AlertRow>()).map(fromRow);
  } catch (err) {
    throw wrapStoreError(err, 'cannot read alerts');
  }
}

/**
 * Every alert whose latest state is firing: what the lifecycle resumes from after a restart.
 * `beforeMs`: as it was before that step, so that a step redone after a crash starts from the same
 * state as the first attempt did, not from the changes that attempt already wrote.
 */
export function loadFiringAlerts(store: Store, beforeMs?: number): Promise<StoredAlert[]> {
  return listAlerts(store, { status: 'firing', limit: 100_000, beforeMs });
}


function fromRow(r: AlertRow): StoredAlert {
  const alert: StoredAlert = {
    fingerprint: r.fingerprint,
    kind: r.a_kind as AlertKind,
    severity: r.a_severity as Severity,
    status: r.a_status as AlertStatus,
    vendor: r.a_vendor,
    service: r.a_service,
    startsAt: isoFromClickHouse(r.a_starts_at),
    summary: r.a_summary,
    runbook_url: r.a_runbook_url,
    labels: r.a_labels,
    annotations: r.a_annotations,
    updatedAt: isoFromClickHouse(r.a_updated_at),
  };
  if (r.a_route) alert.route = r.a_route;
  if (r.a_field) alert.field = r.a_field;
  if (r.a_ends_at) alert.endsAt = isoFromClickHouse(r.a_ends_at);
  if (r.a_value !== null) alert.value = r.a_value;
  if (r.a_expected !== null) alert.expected = r.a_expected;
  return alert;
}
