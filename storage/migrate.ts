import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
}

interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Numbered SQL files in storage/migrations, in order. */
export function loadMigrations(options: MigrateOptions = {}): Migration[] {
  const dir = join(packageRoot(), 'storage', 'migrations');
  const values: Record<string, string> = {
    retention_days: String(options.retentionDays ?? 30),
    rollup_retention_days: String(options.rollupRetentionDays ?? 400),
  };
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8').replace(/\{(retention_days|rollup_retention_days)\}/g, (_, k: string) => values[k]!);
      const statements = sql
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter((s) => s.length > 0);
      return { version: Number(file.slice(0, 3)), name: file.replace(/\.sql$/, ''), statements };
    });
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, then brings the TTLs in line
 * with the configured retention. Idempotent: statements are IF NOT EXISTS, so two collectors
 * starting at once against one server do no harm. Returns the versions applied now.
 */
export async function migrate(store: Store, options: MigrateOptions = {}): Promise<number[]> {
  const { client } = store;
  try {
    await client.command({
      query: `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
              ENGINE = ReplacingMergeTree ORDER BY version`,
    });
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
    await client.command({
      query: `ALTER TABLE egress_spans MODIFY TTL toDateTime(timestamp) + INTERVAL ${Math.trunc(options.retentionDays ?? 30)} DAY DELETE`,
    });
    return applied;
  } catch (err) {
    throw wrapStoreError(err, 'migration failed');
  }
}
