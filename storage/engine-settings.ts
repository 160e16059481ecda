import { loadChdb } from './chdb-module.js';

/**
 * Memory bounds of the embedded engine (chDB). They are server settings, so they are given when
 * the engine starts, as `clickhouse local` arguments; a ClickHouse server has its own config and
 * ignores these. Every field in bytes; 0 leaves the engine's own default.
 *
 * ClickHouse sizes its caches for a server that owns the machine (a 5 GiB mark cache, caches up
 * to half the RAM, merges up to half the RAM); inside egresswatch the engine shares a process
 * that should stay within a few hundred MB (bench:soak), so each is bounded here. Which of these
 * chDB honours was checked in system.server_settings (`changed = 1`).
 */
export interface EngineMemoryOptions {
  /** Marks (where each granule starts in a column file), read by every query. Default 64 MiB (ClickHouse: 5 GiB). */
  markCacheBytes?: number;
  /** Primary indexes, for tables that keep them in this cache. Default 64 MiB (ClickHouse: 5 GiB). */
  primaryIndexCacheBytes?: number;
  /** Marks of data-skipping indexes. Default 16 MiB (ClickHouse: 5 GiB). */
  indexMarkCacheBytes?: number;
  /** Decompressed blocks. Default 0, off: the OS page cache already holds recent parts (ClickHouse's default too). */
  uncompressedCacheBytes?: number;
  /** Which granules matched a filter before. Default 16 MiB (ClickHouse: 100 MiB). */
  queryConditionCacheBytes?: number;
  /** Compiled (JIT) expressions. Default 16 MiB (ClickHouse: 128 MiB). */
  compiledExpressionCacheBytes?: number;
  /**
   * Background merges start only while merges hold less than this (a soft limit: a running merge
   * finishes). Default 256 MiB (ClickHouse: half the RAM). Vertical merges of egress_spans track
   * ~50 MB under steady ingest (bench/RESULTS.md).
   */
  mergesMemoryBytes?: number;
  /**
   * Hard limit on everything the engine tracks: past it a query or insert fails with
   * MEMORY_LIMIT_EXCEEDED rather than growing. Default 0: the engine's own (90 % of the RAM),
   * since detection's first 28-day scan over many series needs more than ingest does.
   */
  maxMemoryBytes?: number;
  /**
   * How long the engine's allocator (jemalloc, built into libchdb) keeps freed pages before it
   * gives them back to the system. Default 1 000 ms (ClickHouse: 5 000). Under bench:soak the
   * allocator's resident minus allocated was 25 MB median, 50 max at 1 s against 34 and 74 at
   * 5 s in the same 20-minute run (bench/RESULTS.md, 2026-12-05); the engine's background purge
   * threads do the returning, off the query path.
   */
  allocatorDirtyDecayMs?: number;
  /**
   * Per-thread caches in the engine's allocator. Default false (ClickHouse: on). Each of the
   * engine's threads keeps freed small blocks (up to 32 KiB) for its next allocation; with dozens
   * of threads that is tens of MB held, counted as allocated, which decay does not return. Under
   * bench:soak off took the allocator's resident from 130 / 156 MB median / max to 98–100 /
   * 129–143 at the same rate; in bench:ingest it cost ~8 % more process CPU per span (129 vs 119
   * µs, 3 alternating runs each) with no loss of rate (bench/RESULTS.md, 2026-12-05).
   */
  allocatorThreadCaches?: boolean;
}

const MIB = 1024 * 1024;

/** The defaults, in one place (config/index.ts documents the same under `clickhouse.embedded_memory`). */
export const ENGINE_MEMORY_DEFAULTS: Required<EngineMemoryOptions> = {
  markCacheBytes: 64 * MIB,
  primaryIndexCacheBytes: 64 * MIB,
  indexMarkCacheBytes: 16 * MIB,
  uncompressedCacheBytes: 0,
  queryConditionCacheBytes: 16 * MIB,
  compiledExpressionCacheBytes: 16 * MIB,
  mergesMemoryBytes: 256 * MIB,
  maxMemoryBytes: 0,
  allocatorDirtyDecayMs: 1_000,
  allocatorThreadCaches: false,
};

/** Server setting of each option that is one (the allocator's options are not). */
const SERVER_SETTINGS: Record<Exclude<keyof EngineMemoryOptions, 'allocatorDirtyDecayMs' | 'allocatorThreadCaches'>, string> = {
  markCacheBytes: 'mark_cache_size',
  primaryIndexCacheBytes: 'primary_index_cache_size',
  indexMarkCacheBytes: 'index_mark_cache_size',
  uncompressedCacheBytes: 'uncompressed_cache_size',
  queryConditionCacheBytes: 'query_condition_cache_size',
  compiledExpressionCacheBytes: 'compiled_expression_cache_size',
  mergesMemoryBytes: 'merges_mutations_memory_usage_soft_limit',
  maxMemoryBytes: 'max_server_memory_usage',
};

/**
 * The engine's start arguments for `options` over the defaults. A cache of 0 is a cache that is
 * off, so uncompressed_cache_size is always passed; for the limits 0 means "the engine's own".
 */
export function engineArguments(options: EngineMemoryOptions = {}): string[] {
  const args: string[] = [];
  for (const key of Object.keys(SERVER_SETTINGS) as (keyof typeof SERVER_SETTINGS)[]) {
    const value = options[key] ?? ENGINE_MEMORY_DEFAULTS[key];
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${key} must be a whole number of bytes, not ${value}`);
    if (value === 0 && (key === 'mergesMemoryBytes' || key === 'maxMemoryBytes')) continue;
    args.push(`--${SERVER_SETTINGS[key]}=${value}`);
  }
  return args;
}

/** jemalloc reads its options from this variable once, when libchdb is loaded (its prefix is je_: `strings libchdb.so`). */
const ALLOCATOR_ENV = 'JE_MALLOC_CONF';

/** The engine allocator's options for `options` over the defaults, as JE_MALLOC_CONF spells them. */
export function engineAllocatorConf(options: EngineMemoryOptions = {}): string {
  const decay = options.allocatorDirtyDecayMs ?? ENGINE_MEMORY_DEFAULTS.allocatorDirtyDecayMs;
  if (!Number.isSafeInteger(decay) || decay < -1) throw new RangeError(`allocatorDirtyDecayMs must be a whole number of ms (or -1, never), not ${decay}`);
  const caches = options.allocatorThreadCaches ?? ENGINE_MEMORY_DEFAULTS.allocatorThreadCaches;
  return `dirty_decay_ms:${decay},tcache:${caches}`;
}

/**
 * Runs `load`, the first import of chDB in this process, with the engine allocator's options in
 * the environment, and puts the environment back after: jemalloc reads it once, when libchdb
 * loads, and processes started later (redis-server) are not the engine's. A JE_MALLOC_CONF the
 * user set comes after ours, so each of its options wins. When chDB is already loaded in this
 * process, its allocator keeps what it started with.
 */
export async function withEngineAllocator<T>(options: EngineMemoryOptions, load: () => Promise<T>): Promise<T> {
  const own = engineAllocatorConf(options);
  const user = process.env[ALLOCATOR_ENV];
  process.env[ALLOCATOR_ENV] = user ? `${own},${user}` : own;
  try {
    return await load();
  } finally {
    if (user === undefined) delete process.env[ALLOCATOR_ENV];
    else process.env[ALLOCATOR_ENV] = user;
  }
}

/**
 * Starts the embedded engine on `path` with `args` and returns a release for the connection that
 * did it. chDB runs one engine per process, started by the first connection to a path with that
 * connection's arguments and shared by the connections opened after it (`chdb/connection` takes
 * no arguments); release once another connection is open, or the engine stops with this one.
 * When the engine already runs in this process, it keeps the arguments it started with.
 */
export async function startEngine(path: string, args: readonly string[]): Promise<() => void> {
  const { Session } = await loadChdb();
  const session = new Session(path, { connectionArgs: args });
  return () => session.close();
}
