import { beforeAll, describe, expect, it } from 'vitest';
import { storeOptionsOf } from '../../../cli/store-access.js';
import { parseConfig } from '../../../common/config/index.js';
import { readEngineMemory } from '../../../storage/engine-memory.js';
import { insertSpans } from '../../../storage/span-writer.js';
import type { Store } from '../../../storage/store.js';
import { spanRows } from '../../../bench/span-fixtures.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';

const MIB = 1024 * 1024;

describe('the embedded engine with bounded memory', () => {
  // As `clickhouse.embedded_memory` in egresswatch.yaml reads (some keys set, the rest defaults),
  // through the options every command opens its store with: the keys used to stop at the check.
  const config = parseConfig({ clickhouse: { embedded_memory: { mark_cache_bytes: 32 * MIB, merges_memory_bytes: 100 * MIB } } });
  const db = useMigratedStore({ store: storeOptionsOf(config) });
  let store: Store;
  beforeAll(() => {
    store = db.current;
  });

  const serverSettings = async (): Promise<Record<string, { value: number; changed: number }>> => {
    const rs = await store.client.query({ query: 'SELECT name, value, changed FROM system.server_settings', format: 'JSONEachRow' });
    return Object.fromEntries((await rs.json<{ name: string; value: string; changed: number }>()).map((r) => [r.name, { value: Number(r.value), changed: Number(r.changed) }]));
  };

  it('runs with the configured cache and merge limits, and bounded defaults for the rest', async () => {
    const settings = await serverSettings();
    expect(settings['mark_cache_size']).toEqual({ value: 32 * MIB, changed: 1 });
    expect(settings['merges_mutations_memory_usage_soft_limit']).toEqual({ value: 100 * MIB, changed: 1 });
    // ClickHouse's own defaults are sized for a server that owns the machine (5 GiB, 128 MiB, …).
    expect(settings['primary_index_cache_size']).toEqual({ value: 64 * MIB, changed: 1 });
    expect(settings['index_mark_cache_size']).toEqual({ value: 16 * MIB, changed: 1 });
    expect(settings['query_condition_cache_size']).toEqual({ value: 16 * MIB, changed: 1 });
    expect(settings['compiled_expression_cache_size']).toEqual({ value: 16 * MIB, changed: 1 });
    expect(settings['uncompressed_cache_size']?.value).toBe(0);
    // No hard limit unless asked for: the engine's own stays.
    expect(settings['max_server_memory_usage']?.changed).toBe(0);
  });

  it('passes the allocator keys from the config file to the store options', () => {
    const options = storeOptionsOf(parseConfig({ clickhouse: { embedded_memory: { allocator_dirty_decay_ms: 250, allocator_thread_caches: true } } }));
    expect(options.engineMemory).toMatchObject({ allocatorDirtyDecayMs: 250, allocatorThreadCaches: true });
    expect(() => parseConfig({ clickhouse: { embedded_memory: { allocator_thread_caches: 'yes' } } })).toThrow(/clickhouse\.embedded_memory\.allocator_thread_caches/);
  });

  it('refuses embedded_memory keys it does not know and sizes that are not whole bytes, naming them', () => {
    expect(() => parseConfig({ clickhouse: { embedded_memory: { mark_cache_mb: 64 } } })).toThrow(/clickhouse\.embedded_memory.*mark_cache_mb/);
    expect(() => parseConfig({ clickhouse: { embedded_memory: { merges_memory_bytes: -1 } } })).toThrow(/clickhouse\.embedded_memory\.merges_memory_bytes/);
  });

  it('reports its own memory: what it tracks, what its allocator holds, its parts and caches', async () => {
    await insertSpans(store, spanRows(5_000, 1), 30_000);
    await store.client.query({ query: 'SELECT vendor, count() FROM egress_spans GROUP BY vendor', format: 'JSONEachRow' });
    const memory = await readEngineMemory(store);
    expect(memory.trackedBytes).toBeGreaterThan(0);
    expect(memory.allocatedBytes).toBeGreaterThan(0);
    expect(memory.residentBytes).toBeGreaterThanOrEqual(memory.allocatedBytes);
    expect(memory.activeParts).toBeGreaterThanOrEqual(1);
    // The query read marks of egress_spans: the bounded mark cache holds them.
    expect(memory.markCacheBytes).toBeGreaterThan(0);
    expect(memory.markCacheBytes).toBeLessThanOrEqual(32 * MIB);
  });
});
