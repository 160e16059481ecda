import { ConfigError, EgressWatchError } from '../common/errors.js';
import type { Config } from '../common/config/index.js';
import { migrate } from '../storage/migrate.js';
import { openStore, type Store } from '../storage/store.js';
import { processAlive, readInstanceFile, type InstanceInfo } from './instance-file.js';

/** A call of the running instance's JSON API. */
export interface ApiCall {
  method: 'GET' | 'POST';
  /** Path with query, e.g. `/api/alerts?status=firing`. */
  path: string;
  body?: unknown;
  /** How long to wait for the answer. Default 120 s. */
  timeoutMs?: number;
}

class ApiError extends EgressWatchError {
  readonly code = 'EW_ERR_API';
}

/** Opens the store this config names (embedded or server) and brings its schema up to date. */
export async function openConfiguredStore(config: Config): Promise<Store> {
  const store = await openStore({
    url: config.clickhouse.url,
    dataDir: config.data_dir,
    database: config.clickhouse.database,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    fsyncAfterInsert: config.clickhouse.fsync_after_insert,
  });
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
export async function withStoreOrApi<T>(config: Config, how: { local: (store: Store) => Promise<T>; api: ApiCall | ((call: <R>(api: ApiCall) => Promise<R>) => Promise<T>) }): Promise<T> {
  const instance = config.clickhouse.url ? undefined : runningInstance(config);
  if (instance) {
    const call = <R>(api: ApiCall): Promise<R> => callApi<R>(instance.url, instance.apiToken, api);
    // A function makes several calls (pages of a listing); a plain call is one.
    return typeof how.api === 'function' ? how.api(call) : call<T>(how.api);
  }
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

/** One call of a running instance's JSON API with its API token; its 400 becomes a ConfigError. */
export async function callApi<T>(baseUrl: string, token: string, call: ApiCall): Promise<T> {
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
  return payload as T;
}
