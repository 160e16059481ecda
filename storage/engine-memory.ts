import type { Store } from './store.js';

/**
 * The embedded engine's memory as it accounts for it. RSS shows the process as a whole; these
 * say which part of it is the engine's and what it holds: what its allocator keeps from the
 * system, what queries and merges track, and its caches.
 */
export interface EngineMemory {
  /** All memory the engine tracks (queries, inserts, merges, caches, indexes): system.metrics MemoryTracking. */
  trackedBytes: number;
  /** Of it, merges and mutations: MergesMutationsMemoryTracking. */
  mergesBytes: number;
  markCacheBytes: number;
  primaryIndexCacheBytes: number;
  uncompressedCacheBytes: number;
  queryConditionCacheBytes: number;
  compiledExpressionCacheBytes: number;
  /** Primary indexes of active parts held in memory (system.parts). */
  primaryKeyBytes: number;
  activeParts: number;
  /** What the engine's allocator (jemalloc) has handed out, and holds from the system (resident, retained). */
  allocatedBytes: number;
  residentBytes: number;
  retainedBytes: number;
}

const METRICS = {
  MemoryTracking: 'trackedBytes',
  MergesMutationsMemoryTracking: 'mergesBytes',
  MarkCacheBytes: 'markCacheBytes',
  PrimaryIndexCacheBytes: 'primaryIndexCacheBytes',
  UncompressedCacheBytes: 'uncompressedCacheBytes',
  QueryConditionCacheBytes: 'queryConditionCacheBytes',
  CompiledExpressionCacheBytes: 'compiledExpressionCacheBytes',
} as const;

/**
 * Reads the engine's memory figures. Embedded chDB has no system.asynchronous_metrics; the
 * allocator's figures come from jemalloc's own statistics text (system.jemalloc_stats), read as
 * 0 where a build has none.
 */
export async function readEngineMemory(store: Pick<Store, 'client'>): Promise<EngineMemory> {
  const out: EngineMemory = {
    trackedBytes: 0,
    mergesBytes: 0,
    markCacheBytes: 0,
    primaryIndexCacheBytes: 0,
    uncompressedCacheBytes: 0,
    queryConditionCacheBytes: 0,
    compiledExpressionCacheBytes: 0,
    primaryKeyBytes: 0,
    activeParts: 0,
    allocatedBytes: 0,
    residentBytes: 0,
    retainedBytes: 0,
  };
  const metrics = await store.client.query({
    query: 'SELECT metric, value FROM system.metrics WHERE metric IN {names: Array(String)}',
    query_params: { names: Object.keys(METRICS) },
    format: 'JSONEachRow',
  });
  for (const { metric, value } of await metrics.json<{ metric: keyof typeof METRICS; value: number | string }>()) out[METRICS[metric]] = Number(value);
  const parts = await store.client.query({
    query: 'SELECT count() AS parts, sum(primary_key_bytes_in_memory) AS bytes FROM system.parts WHERE active',
    format: 'JSONEachRow',
  });
  const [partRow] = await parts.json<{ parts: number | string; bytes: number | string }>();
  out.activeParts = Number(partRow?.parts ?? 0);
  out.primaryKeyBytes = Number(partRow?.bytes ?? 0);
  try {
    const stats = await store.client.query({ query: 'SELECT stats FROM system.jemalloc_stats', format: 'JSONEachRow' });
    const [text] = await stats.json<{ stats: string }>();
    // "Allocated: 25871488, active: 26345472, metadata: 5288944 (n_thp 0, …), resident: 31563776, mapped: 43298816, retained: 10178560"
    const line = /Allocated: (\d+), active: \d+, metadata: \d+(?: \([^)]*\))?, resident: (\d+), mapped: \d+, retained: (\d+)/.exec(text?.stats ?? '');
    if (line) [out.allocatedBytes, out.residentBytes, out.retainedBytes] = [Number(line[1]), Number(line[2]), Number(line[3])];
  } catch {
    // A build without jemalloc: its figures stay 0.
  }
  return out;
}
