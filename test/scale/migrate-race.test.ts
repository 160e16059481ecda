import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../storage/migrate.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startClickHouseEndpoint, type ClickHouseEndpoint } from '../support/clickhouse-endpoint.js';
import { runRole } from '../support/role-process.js';

// Every collector and worker migrates when it starts, and a deploy runs `egresswatch migrate`:
// on a shared server they do it at the same time.
const dir = tempDir();
let endpoint: ClickHouseEndpoint;
let client: ClickHouseClient;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  endpoint = await startClickHouseEndpoint({ users: { deploy: 'pw' } });
  client = createClient({ url: endpoint.url, username: 'deploy', password: 'pw' });
  env = {
    EGRESSWATCH_CLICKHOUSE_URL: endpoint.url,
    EGRESSWATCH_CLICKHOUSE_USER: 'deploy',
    EGRESSWATCH_CLICKHOUSE_PASSWORD: 'pw',
    EGRESSWATCH_DATA_DIR: dir.path,
  };
});

afterAll(async () => {
  await client?.close();
  await endpoint?.close();
  dir.remove();
});

describe('egresswatch migrate from two processes at once', () => {
  it('applies each migration once; the second process waits and finds nothing to do', async () => {
    // Both processes reach the migration bookkeeping before either goes on: their first
    // statement on schema_migrations is held until both have sent it.
    const barrier = endpoint.hold((r) => r.query.includes('schema_migrations'), 2);
    const runs = [runRole(['migrate'], env), runRole(['migrate'], env)];
    for (const held of await barrier) held.release();
    const results = await Promise.all(runs);
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'schema is up to date\n' });

    const recorded = await (await client.query({ query: 'SELECT version, count() AS n FROM schema_migrations GROUP BY version ORDER BY version', format: 'JSONEachRow' })).json();
    expect(recorded).toEqual(loadMigrations().map((m) => ({ version: m.version, n: 1 })));
    const created = endpoint.log.filter((e) => e.status === 200 && e.query.startsWith('CREATE TABLE IF NOT EXISTS egress_spans'));
    expect(created).toHaveLength(1);
  });

  it('changes nothing on a later start, not even the spans retention (an ALTER of the largest table)', async () => {
    const before = endpoint.log.length;
    expect(await runRole(['migrate'], env)).toMatchObject({ code: 0 });
    const statements = endpoint.log.slice(before).map((e) => e.query);
    expect(statements.filter((q) => /^\s*(ALTER|CREATE TABLE IF NOT EXISTS egress|INSERT INTO schema_migrations)/.test(q))).toEqual([]);
    expect(await runRole(['migrate'], { ...env, EGRESSWATCH_CONFIG: writeRetention(10) })).toMatchObject({ code: 0 });
    const [spans] = await (await client.query({ query: "SELECT engine_full FROM system.tables WHERE database = 'default' AND name = 'egress_spans'", format: 'JSONEachRow' })).json<{ engine_full: string }>();
    expect(spans?.engine_full).toContain('TTL toDateTime(timestamp) + toIntervalDay(10)');
  });
});

function writeRetention(days: number): string {
  const file = join(dir.path, `retention-${days}.yaml`);
  writeFileSync(file, `retention_days: ${days}\n`);
  return file;
}
