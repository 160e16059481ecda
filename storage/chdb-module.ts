import { StoreError } from '../common/errors.js';

/**
 * chDB, the embedded engine, is an optional dependency (~550 MB): the server image used with a
 * ClickHouse server is built without it (`npm ci --omit=optional`). So it is loaded only here,
 * by a specifier TypeScript does not resolve, with the few declarations this repository uses:
 * the build compiles with or without it, and embedded mode without it says what to do.
 */
export interface ChdbConnectionModule {
  /** A connection for @clickhouse/client (its `connection` option) to the engine at `path`. */
  createChdbConnection(options: { path: string }): unknown;
}

export interface ChdbModule {
  Session: new (path: string, options: { connectionArgs: readonly string[] }) => { close(): void };
}

const MISSING =
  'the embedded ClickHouse engine (the optional dependency chdb) is not installed here: set clickhouse.url (EGRESSWATCH_CLICKHOUSE_URL) to a ClickHouse server, or install it with `npm install chdb`';

/** Typed `string`, not the literal: TypeScript then leaves the import unresolved at build time. */
const CHDB: string = 'chdb';
const CHDB_CONNECTION: string = 'chdb/connection';

async function load<T>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new StoreError(MISSING, undefined);
  }
}

/** `chdb/connection`, or a StoreError that says how to do without it. */
export function loadChdbConnection(): Promise<ChdbConnectionModule> {
  return load<ChdbConnectionModule>(CHDB_CONNECTION);
}

/** `chdb` (its Session starts the engine with arguments), or a StoreError as above. */
export function loadChdb(): Promise<ChdbModule> {
  return load<ChdbModule>(CHDB);
}
