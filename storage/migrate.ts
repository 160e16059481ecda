import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../common/errors.js';
import { packageRoot } from '../common/package-root.js';
import { logger } from '../common/logger.js';
import { wrapStoreError, type Store } from './store.js';

const log = logger('migrate');

/** Knobs the schema depends on. */
export interface MigrateOptions {
  /** egress_spans TTL in days. Default 30. */
  retentionDays?: number;
  /** egress_minute TTL in days; rollups are small, so far longer than spans. Default 400. */
  rollupRetentionDays?: number;
  /**
   * A ClickHouse cluster name (`remote_servers`): apply `storage/migrations-cluster/` instead,
   * ReplicatedMergeTree tables behind Distributed ones, every statement ON CLUSTER (see
   * docs/scale-out.md). Default: `EGRESSWATCH_CLICKHOUSE_CLUSTER`, else none (one server).
   */
  cluster?: string | undefined;
  /** How long to wait for another process's migration to finish. Default 120 000 ms. */
  lockWaitMs?: number;
  /** A migration lock not renewed for this long belongs to a dead process and is taken over. Default 30 000 ms. */
  lockLeaseMs?: number;
}

interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** The table whose existence is the migration lock of a database (CREATE TABLE is atomic). */
const LOCK_TABLE = 'egresswatch_migration_lock';

/**
 * Numbered SQL files in storage/migrations (or storage/migrations-cluster for a cluster), in
 * order, with the retention and cluster placeholders filled in.
 */
export function loadMigrations(options: MigrateOptions = {}): Migration[] {
  const cluster = clusterOf(options);
  const dir = join(packageRoot(), 'storage', cluster === undefined ? 'migrations' : 'migrations-cluster');
  const values: Record<string, string> = {
    retention_days: String(options.retentionDays ?? 30),
    rollup_retention_days: String(options.rollupRetentionDays ?? 400),
    cluster: cluster ?? '',
  };
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8').replace(/\{(retention_days|rollup_retention_days|cluster)\}/g, (_, k: string) => values[k]!);
      const statements = sql
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter((s) => s.length > 0);
      return { version: Number(file.slice(0, 3)), name: file.replace(/\.sql$/, ''), statements };
    });
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, then brings the spans TTL in
 * line with the configured retention. On a server, several processes start at once (collectors,
 * workers, `egresswatch migrate`): one of them takes the database's migration lock and applies
 * each migration once, the others wait and find nothing left to do. Returns the versions
 * applied now.
 */
export async function migrate(store: Store, options: MigrateOptions = {}): Promise<number[]> {
  const cluster = clusterOf(options);
  const onCluster = cluster === undefined ? '' : ` ON CLUSTER ${quoteCluster(cluster)}`;
  try {
    await store.client.command({
      query: `CREATE TABLE IF NOT EXISTS schema_migrations${onCluster} (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
              ENGINE = ${cluster === undefined ? 'ReplacingMergeTree' : `ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/schema_migrations', '{replica}')`} ORDER BY version`,
    });
    // The embedded store belongs to one process: nobody to wait for.
    if (store.transport === 'embedded') return await applyPending(store, options, cluster);
    return await withMigrationLock(store, options, cluster, () => applyPending(store, options, cluster));
  } catch (err) {
    throw wrapStoreError(err, 'migration failed');
  }
}

async function applyPending(store: Store, options: MigrateOptions, cluster: string | undefined): Promise<number[]> {
  const { client } = store;
  const rs = await client.query({ query: 'SELECT DISTINCT version FROM schema_migrations', format: 'JSONEachRow' });
  const done = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of loadMigrations(options)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await client.command({ query: statement });
    await client.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    applied.push(m.version);
    log.info({ version: m.version, name: m.name }, 'migration applied');
  }
  await alignRetention(store, options.retentionDays ?? 30, cluster);
  return applied;
}

/**
 * Sets the spans TTL to the configured retention, only when it differs: on a server, ALTER …
 * MODIFY TTL materializes the TTL of every part (a mutation of the largest table), and it ran at
 * every start of every collector and worker.
 */
async function alignRetention(store: Store, retentionDays: number, cluster: string | undefined): Promise<void> {
  const table = cluster === undefined ? 'egress_spans' : 'egress_spans_local';
  const days = Math.trunc(retentionDays);
  const rs = await store.client.query({
    query: 'SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
    query_params: { table },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ engine_full: string }>();
  if (row && new RegExp(`\\bTTL toDateTime\\(timestamp\\) \\+ toIntervalDay\\(${days}\\)(?!\\d)`).test(row.engine_full)) return;
  await store.client.command({
    query: `ALTER TABLE ${table}${cluster === undefined ? '' : ` ON CLUSTER ${quoteCluster(cluster)}`} MODIFY TTL toDateTime(timestamp) + INTERVAL ${days} DAY DELETE`,
  });
  log.info({ table, retentionDays: days }, 'spans retention changed');
}

/**
 * Runs `fn` holding the database's migration lock: the lock table exists while a process
 * migrates (CREATE TABLE fails for everyone else with TABLE_ALREADY_EXISTS; ON CLUSTER, the
 * distributed DDL queue orders the creates, so it excludes across servers too — not tested
 * here, there is no cluster on this machine). The holder
 * writes a heartbeat row every third of the lease; a lock whose newest heartbeat (or creation)
 * is older than the lease belongs to a process that died mid-migration and is dropped. Two
 * processes that find the same dead lock at the same instant may both go on; every migration
 * statement is IF NOT EXISTS or idempotent, so that costs a duplicate record, not the schema.
 */
async function withMigrationLock<T>(store: Store, options: MigrateOptions, cluster: string | undefined, fn: () => Promise<T>): Promise<T> {
  const { client } = store;
  const onCluster = cluster === undefined ? '' : ` ON CLUSTER ${quoteCluster(cluster)}`;
  // On a cluster the heartbeats must reach every server (another migrator may be connected to
  // any of them): one replicated table across all shards (no {shard} in its Keeper path).
  const engine = cluster === undefined ? 'Log' : `ReplicatedMergeTree('/clickhouse/tables/{database}/${LOCK_TABLE}', '{replica}') ORDER BY heartbeat`;
  const owner = `${hostname()}/${process.pid}/${randomUUID()}`;
  const leaseMs = options.lockLeaseMs ?? 30_000;
  const deadline = Date.now() + (options.lockWaitMs ?? 120_000);
  const beat = (): Promise<unknown> => client.insert({ table: LOCK_TABLE, values: [{ owner }], format: 'JSONEachRow' });
  for (let waited = false; ; waited = true) {
    try {
      await client.command({ query: `CREATE TABLE ${LOCK_TABLE}${onCluster} (owner String, heartbeat DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ${engine}` });
      break;
    } catch (err) {
      if (!isCode(err, '57')) throw err;
    }
    if (!waited) log.info('another process is migrating this database; waiting for it');
    const holder = await lockAge(store).catch((err: unknown) => (isCode(err, '60') ? undefined : Promise.reject(err)));
    if (holder && holder.ageMs > leaseMs) {
      log.warn({ holder: holder.owner, ageMs: holder.ageMs }, 'taking over a migration lock its holder stopped renewing');
      await client.command({ query: `DROP TABLE IF EXISTS ${LOCK_TABLE}${onCluster} SYNC` });
      continue;
    }
    if (Date.now() > deadline) {
      throw new StoreError(
        `another egresswatch (${holder?.owner || 'unknown'}) has been migrating this database for longer than ${options.lockWaitMs ?? 120_000} ms; ` +
          `if no other egresswatch is running, drop the table ${LOCK_TABLE} and start again`,
        undefined,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await beat();
  const renewal = setInterval(() => void beat().catch((err: Error) => log.warn({ err: err.message }, 'could not renew the migration lock')), Math.max(1, Math.floor(leaseMs / 3)));
  renewal.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renewal);
    await client.command({ query: `DROP TABLE IF EXISTS ${LOCK_TABLE}${onCluster} SYNC` }).catch((err: Error) => log.warn({ err: err.message }, `could not drop the migration lock; drop ${LOCK_TABLE} by hand`));
  }
}

/**
 * Who holds the lock and how long ago it last showed life, on the server's clock (hosts' clocks
 * differ): its newest heartbeat, or its creation before the first. A lock with neither (created
 * an instant ago, its first heartbeat not yet written, and a creation time that read 0) is fresh:
 * judged dead, it was dropped and re-created while its holder migrated, and the holder's own
 * drop at the end then removed the second migrator's lock (seen once in test/scale/migrate-race).
 * A holder that died before its first heartbeat is then waited for until `lockWaitMs`, whose error
 * says to drop the table.
 */
async function lockAge(store: Store): Promise<{ owner: string; ageMs: number } | undefined> {
  const rs = await store.client.query({
    query: `SELECT argMax(owner, heartbeat) AS owner, count() AS beats,
                   toUnixTimestamp64Milli(now64(3)) AS now_ms,
                   toUnixTimestamp64Milli(max(heartbeat)) AS beat_ms,
                   (SELECT toInt64(toUnixTimestamp(metadata_modification_time)) * 1000 FROM system.tables WHERE database = currentDatabase() AND name = '${LOCK_TABLE}') AS created_ms
            FROM ${LOCK_TABLE}`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ owner: string; beats: number | string; now_ms: number | string; beat_ms: number | string; created_ms: number | string | null }>();
  if (!row) return undefined;
  const last = Math.max(Number(row.beats) > 0 ? Number(row.beat_ms) : 0, Number(row.created_ms ?? 0));
  return { owner: row.owner, ageMs: last > 0 ? Number(row.now_ms) - last : 0 };
}

function clusterOf(options: MigrateOptions): string | undefined {
  const cluster = options.cluster ?? process.env['EGRESSWATCH_CLICKHOUSE_CLUSTER'];
  return cluster ? cluster : undefined;
}

function quoteCluster(name: string): string {
  if (!/^[A-Za-z0-9_.{}-]+$/.test(name)) throw new StoreError(`invalid cluster name '${name}'`, undefined);
  return `'${name}'`;
}

function isCode(err: unknown, code: string): boolean {
  const e = err as { code?: unknown; clickhouseCode?: unknown };
  return String(e.code) === code || String(e.clickhouseCode) === code;
}
