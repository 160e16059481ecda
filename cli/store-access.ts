import { resolve } from 'node:path';
import type { z } from 'zod';
import { ApiError, ConfigError } from '../common/errors.js';
import type { Config } from '../common/config/index.js';
import { migrate } from '../storage/migrate.js';
import type { EngineMemoryOptions } from '../storage/engine-settings.js';
import { openStore, type StoreOptions, type Store } from '../storage/store.js';
import type { AnswerOf, ApiRouteSpec, PathParams } from './api-contract.js';
import { processAlive, readInstanceFile, type InstanceInfo } from './instance-file.js';

/** One HTTP request of a declared route, as `apiCall` builds it. */
interface ApiRequest {
  method: 'GET' | 'POST';
  /** Path with query, e.g. `/api/alerts?status=firing`. */
  path: string;
  body?: unknown;
  /** How long to wait for the answer. Default 120 s. */
  timeoutMs?: number | undefined;
}

/** What a call of a declared route sends: its query, its path parameters and its body, typed by the route's schemas. */
export type CallInput<S> =
  S extends ApiRouteSpec<infer P, infer Q, infer B, unknown>
    ? { query?: z.input<Q>; timeoutMs?: number } & ([PathParams<P>] extends [never] ? { params?: undefined } : { params: Record<PathParams<P>, string> }) &
        (B extends z.ZodUndefined ? { body?: undefined } : { body: z.input<B> })
    : never;

/** Calls the running instance's JSON API: a route declared in api-contract.ts, answered as declared. */
export interface ApiCaller {
  <S extends ApiRouteSpec>(route: S, ...input: Record<never, never> extends CallInput<S> ? [CallInput<S>?] : [CallInput<S>]): Promise<AnswerOf<S>>;
}

/** Where a running instance answers, and its API token (instance.json). */
export type InstanceAddress = Pick<InstanceInfo, 'url' | 'apiToken'>;

/**
 * The store this config names, as openStore takes it. `clickhouse.embedded_memory` reaches the
 * embedded engine from here: until 2026-12-05 it was checked at load and then not passed on, so
 * none of its keys did anything.
 */
export function storeOptionsOf(config: Config): StoreOptions {
  const m = config.clickhouse.embedded_memory;
  const engineMemory: EngineMemoryOptions = {
    markCacheBytes: m.mark_cache_bytes,
    primaryIndexCacheBytes: m.primary_index_cache_bytes,
    indexMarkCacheBytes: m.index_mark_cache_bytes,
    uncompressedCacheBytes: m.uncompressed_cache_bytes,
    queryConditionCacheBytes: m.query_condition_cache_bytes,
    compiledExpressionCacheBytes: m.compiled_expression_cache_bytes,
    mergesMemoryBytes: m.merges_memory_bytes,
    maxMemoryBytes: m.max_memory_bytes,
    allocatorDirtyDecayMs: m.allocator_dirty_decay_ms,
    allocatorThreadCaches: m.allocator_thread_caches,
  };
  return {
    url: config.clickhouse.url,
    dataDir: config.data_dir,
    database: config.clickhouse.database,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    fsyncAfterInsert: config.clickhouse.fsync_after_insert,
    engineMemory,
  };
}

/**
 * Opens the store this config names (embedded or server) and brings its schema up to date.
 * An embedded store that a running `start` owns is refused first, in one line: chDB would print
 * its own `Code: 76. DB::Exception: Cannot lock file …/status` to stderr before any error of ours.
 */
export async function openConfiguredStore(config: Config): Promise<Store> {
  const owner = config.clickhouse.url ? undefined : runningInstance(config);
  if (owner) {
    throw new ConfigError(
      `the data dir ${resolve(config.data_dir)} is in use by egresswatch (pid ${owner.pid}, ${owner.url}): use that instance (its API, or commands such as \`egresswatch alerts\` that go through it), stop it, or use another data dir (EGRESSWATCH_DATA_DIR or data_dir in --config)`,
    );
  }
  const store = await openStore(storeOptionsOf(config));
  try {
    await migrate(store, { retentionDays: config.retention_days });
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * docs/ARCHITECTURE.md: the embedded store belongs to one process. When `start` runs on this data dir,
 * go through its JSON API; otherwise open the store here. With a ClickHouse server there is
 * no owner, so the store is always opened directly.
 */
export async function withStoreOrApi<T>(config: Config, how: { local: (store: Store) => Promise<T>; api: (call: ApiCaller) => Promise<T> }): Promise<T> {
  const instance = config.clickhouse.url ? undefined : runningInstance(config);
  if (instance) return how.api(callerOf(instance));
  const store = await openConfiguredStore(config);
  try {
    return await how.local(store);
  } finally {
    await store.close();
  }
}

/** The `start` running on this config's data dir (not this process), if any. */
export function runningInstance(config: Pick<Config, 'data_dir'>): InstanceInfo | undefined {
  const instance = readInstanceFile(config.data_dir);
  return instance && instance.pid !== process.pid && processAlive(instance.pid) ? instance : undefined;
}

/** An `ApiCaller` bound to one running instance. */
export function callerOf(instance: InstanceAddress): ApiCaller {
  return ((route: ApiRouteSpec, input?: CallInput<ApiRouteSpec>) => apiCall(instance, route, input)) as ApiCaller;
}

/**
 * One call of a declared route. The answer's envelope is checked against the declaration: an
 * instance of another egresswatch version answering something else is a one-line error that
 * says so, not a crash further on.
 */
export async function apiCall<S extends ApiRouteSpec>(instance: InstanceAddress, route: S, input?: CallInput<S>): Promise<AnswerOf<S>> {
  const given = (input ?? {}) as { query?: Record<string, unknown>; params?: Record<string, string>; body?: unknown; timeoutMs?: number };
  const path = route.path.replace(/:([A-Za-z_]\w*)/g, (_m, name: string) => encodeURIComponent(given.params?.[name] ?? ''));
  const query = queryString(given.query ?? {});
  const payload = await request(instance, { method: route.method, path: query ? `${path}?${query}` : path, body: given.body, timeoutMs: given.timeoutMs });
  const checked = route.answer.check.safeParse(payload);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new ApiError(
      `the running egresswatch at ${instance.url} answered ${route.method} ${route.path} with something this version does not read (${where}${issue?.message ?? 'unexpected answer'}); is it another egresswatch version? Restart it with this one`,
    );
  }
  return payload as AnswerOf<S>;
}

/** `?a=1&vendor=x&vendor=y`: arrays repeat their key (names may hold commas), undefined is left out. */
function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  return params.toString();
}

/** One call of a running instance's JSON API with its API token; its 400 becomes a ConfigError. */
async function request(instance: InstanceAddress, call: ApiRequest): Promise<unknown> {
  const baseUrl = instance.url;
  const token = instance.apiToken;
  let res: Response;
  try {
    res = await fetch(new URL(call.path, baseUrl), {
      method: call.method,
      headers: { authorization: `Bearer ${token}`, ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      signal: AbortSignal.timeout(call.timeoutMs ?? 120_000),
    });
  } catch (err) {
    throw new ApiError(`the running egresswatch at ${baseUrl} did not answer (${(err as Error).message}); is it still starting?`);
  }
  const text = await res.text();
  let payload: unknown;
  try {
    payload = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(`the running egresswatch answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const message = (payload as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
    if (res.status === 400) throw new ConfigError(message);
    throw new ApiError(`the running egresswatch refused ${call.method} ${call.path}: ${message}`);
  }
  return payload;
}
