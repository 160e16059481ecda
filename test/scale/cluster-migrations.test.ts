import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../common/package-root.js';
import { loadMigrations, migrate } from '../../storage/migrate.js';
import { openStore, type Store } from '../../storage/store.js';
import { startClickHouseEndpoint, type ClickHouseEndpoint } from '../support/clickhouse-endpoint.js';

// The cluster variant (storage/migrations-cluster) cannot run here: no Keeper, no remote_servers.
// What can be held to the real engine: it parses, and each `_local` table is the single-node
// table (columns, codecs, keys, TTL, views) under another engine.
let endpoint: ClickHouseEndpoint;
let single: Store;
let client: ClickHouseClient;
const cluster = loadMigrations({ cluster: 'egresswatch_cluster' });

/** A cluster statement for one server: no ON CLUSTER, Replicated engines without their Keeper path. */
function onOneServer(statement: string): string | undefined {
  // Distributed tables need remote_servers; backfills (INSERT … SELECT) are data, not schema.
  if (/ENGINE = Distributed\(/.test(statement) || /^INSERT /.test(statement)) return undefined;
  return statement
    .replace(/ ON CLUSTER '[^']+'/g, '')
    .replace(/Replicated(\w*MergeTree)\('[^']*', '[^']*'(?:, )?/g, '$1(')
    .replace(/MergeTree\(\)/g, 'MergeTree')
    .replace(/replicated_deduplication_window/g, 'non_replicated_deduplication_window');
}

beforeAll(async () => {
  endpoint = await startClickHouseEndpoint();
  single = await openStore({ url: endpoint.url, database: 'single' });
  await migrate(single, { cluster: '' });
  client = createClient({ url: endpoint.url });
  await client.command({ query: 'CREATE DATABASE local' });
  const local = createClient({ url: endpoint.url, database: 'local' });
  for (const m of cluster) for (const s of m.statements.map(onOneServer)) if (s) await local.command({ query: s });
  await local.close();
});

afterAll(async () => {
  await client?.close();
  await single?.close();
  await endpoint?.close();
});

describe('the cluster variant of the migrations', () => {
  it('has one file per single-node migration, same number and name', () => {
    const names = (dir: string): string[] => readdirSync(join(packageRoot(), 'storage', dir)).filter((f) => f.endsWith('.sql')).sort();
    expect(names('migrations-cluster')).toEqual(names('migrations'));
  });

  it('parses on the real engine: every DDL ON CLUSTER, every table replicated or distributed, backfills through the Distributed tables', async () => {
    for (const statement of cluster.flatMap((m) => m.statements)) {
      await expect(client.query({ query: `EXPLAIN AST ${statement}` }).then((r) => r.text()), statement.slice(0, 80)).resolves.toContain('Query');
      // An INSERT … SELECT runs once, from the migrating node, over every shard.
      if (/^INSERT /.test(statement)) {
        expect(statement).not.toContain('_local');
        continue;
      }
      expect(statement).toContain("ON CLUSTER 'egresswatch_cluster'");
      if (/^CREATE TABLE/.test(statement)) expect(statement).toMatch(/ENGINE = (Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\w+_local', '\{replica\}'|Distributed\('egresswatch_cluster', currentDatabase\(\), \w+_local, )/);
    }
  });

  it('gives each _local table the columns, keys, TTL and views of its single-node table', async () => {
    const describe = async (database: string, suffix: string): Promise<unknown[]> => {
      const rs = await client.query({
        query: `SELECT replaceRegexpOne(t.name, '_local$', '') AS name, t.engine LIKE '%MaterializedView' AS view, t.sorting_key, t.partition_key,
                       extract(t.engine_full, 'TTL .*?(?: SETTINGS|$)') AS ttl, replaceAll(t.as_select, '_local', '') AS as_select,
                       arraySort(groupArray((c.position, c.name, c.type, c.default_kind, c.compression_codec))) AS columns
                FROM system.tables AS t LEFT JOIN system.columns AS c ON c.database = t.database AND c.table = t.name
                WHERE t.database = {database:String} AND (t.name LIKE {suffix:String} OR t.engine LIKE '%MaterializedView') AND t.name != 'schema_migrations'
                GROUP BY t.name, t.engine, t.sorting_key, t.partition_key, t.engine_full, t.as_select ORDER BY name`,
        query_params: { database, suffix },
        format: 'JSONEachRow',
      });
      return (await rs.json<Record<string, unknown>>()).map((r) => ({ ...r, as_select: String(r['as_select']).replaceAll(`${database}.`, '') }));
    };
    const singleTables = await describe('single', '%');
    expect(singleTables.length).toBeGreaterThanOrEqual(9);
    expect(await describe('local', '%\\_local')).toEqual(singleTables);
  });
});
