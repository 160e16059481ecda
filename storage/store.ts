import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { StoreError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { loadChdbConnection } from './chdb-module.js';
import { CLICKHOUSE_CLIENT_LOG } from './clickhouse-log.js';
import { engineArguments, startEngine, withEngineAllocator, type EngineMemoryOptions } from './engine-settings.js';

const log = logger('storage');

/** How to reach ClickHouse. One options type; defaults resolved in `openStore`. */
export interface StoreOptions {
  /** ClickHouse server URL (http://host:8123). Unset: embedded chDB under `dataDir`. */
  url?: string | undefined;
  /** Data directory of the embedded engine's parent folder; default `.egresswatch`. */
  dataDir?: string;
  /** Database for the server transport; the embedded engine always uses `default`. Default `default`. */
  database?: string;
  username?: string | undefined;
  password?: string | undefined;
  /** fsync every inserted part (survives power loss, not only a crash). Default false. */
  fsyncAfterInsert?: boolean;
  /** Timeout of one statement in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** Cache and merge memory bounds of the embedded engine; defaults in engine-settings.ts. */
  engineMemory?: EngineMemoryOptions | undefined;
}

/** An open store. Everything above storage/ sees only this, never the transport. */
export interface Store {
  readonly client: ClickHouseClient;
  readonly transport: 'embedded' | 'server';
  /** Where the embedded engine keeps its files; undefined for the server transport. */
  readonly enginePath: string | undefined;
  /** Where the embedded engine reads insert batches from (see span-writer); undefined for a server. */
  readonly scratchDir: string | undefined;
  close(): Promise<void>;
}

/**
 * Opens the store on either transport. The embedded engine is a process-wide singleton in chDB:
 * one data path per process, so a process opens one store.
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const settings: ClickHouseSettings = {
    // Values in DateTime columns are UTC everywhere, whatever the machine's zone.
    session_timezone: 'UTC',
    date_time_input_format: 'best_effort',
    // Counts come back as JSON numbers on both transports (chDB already does; a server quotes them).
    output_format_json_quote_64bit_integers: 0,
    ...(options.fsyncAfterInsert ? { fsync_after_insert: 1 } : {}),
  } as ClickHouseSettings;
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  if (options.url) {
    const database = options.database ?? 'default';
    const admin = createClient({ url: options.url, username: options.username ?? 'default', password: options.password ?? '', request_timeout: requestTimeout, ...CLICKHOUSE_CLIENT_LOG });
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}` });
    } catch (err) {
      throw wrapStoreError(err, `cannot reach ClickHouse at ${redactUrl(options.url)}`);
    } finally {
      await admin.close();
    }
    const client = createClient({
      url: options.url,
      database,
      username: options.username ?? 'default',
      password: options.password ?? '',
      request_timeout: requestTimeout,
      clickhouse_settings: settings,
      compression: { request: true, response: true },
      ...CLICKHOUSE_CLIENT_LOG,
    });
    log.info({ transport: 'server', database }, 'store opened');
    return { client, transport: 'server', enginePath: undefined, scratchDir: undefined, close: () => client.close() };
  }
  const enginePath = resolve(join(options.dataDir ?? '.egresswatch', 'clickhouse'));
  mkdirSync(enginePath, { recursive: true });

  // The allocator's options are read once, when libchdb loads: set around that load.
  const { createChdbConnection } = await withEngineAllocator(options.engineMemory ?? {}, loadChdbConnection);
  let client: ClickHouseClient;
  let releaseEngine: (() => void) | undefined;
  try {
    // The memory bounds are the engine's start arguments: this connection starts it with them.
    releaseEngine = await startEngine(enginePath, engineArguments(options.engineMemory));
    client = createClient({
      connection: createChdbConnection({ path: enginePath }),
      request_timeout: requestTimeout,
      clickhouse_settings: settings,
      ...CLICKHOUSE_CLIENT_LOG,
    } as Parameters<typeof createClient>[0]);
    await client.query({ query: 'SELECT 1', format: 'JSONEachRow' });
  } catch (err) {
    throw wrapStoreError(err, `cannot open the embedded store at ${enginePath} (is another egresswatch process using it?)`);
  } finally {
    releaseEngine?.();
  }
  // Only now that the engine is ours: batches left by a process that died were never
  // acknowledged (their senders retry), so they go.
  const scratchDir = resolve(join(options.dataDir ?? '.egresswatch', 'insert-scratch'));
  rmSync(scratchDir, { recursive: true, force: true });
  mkdirSync(scratchDir, { recursive: true });
  log.info({ transport: 'embedded', path: enginePath }, 'store opened');
  return { client, transport: 'embedded', enginePath, scratchDir, close: () => client.close() };
}

/** Wraps an engine error into a StoreError that keeps ClickHouse's code. */
export function wrapStoreError(err: unknown, context: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { message?: string; code?: unknown; type?: string };
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined;
  const detail = (e.message ?? String(err)).split('\n')[0]?.slice(0, 500);
  return new StoreError(`${context}: ${e.type ? `${e.type}: ` : ''}${detail}`, code, { cause: err });
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new StoreError(`invalid database name '${name}'`, undefined);
  return '`' + name + '`';
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

