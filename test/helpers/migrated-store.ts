import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { migrate, type MigrateOptions } from '../../storage/migrate.js';
import { openStore, type Store, type StoreOptions } from '../../storage/store.js';
import { tempDir } from './temp-dir.js';

/** A migrated embedded store in a temporary data dir, opened and closed by the test file's hooks. */
export interface MigratedStore {
  /** The open store; read it inside tests and hooks (it is opened in `beforeAll`/`beforeEach`). */
  readonly current: Store;
  /** The data dir (removed after the last test). */
  readonly dataDir: string;
  /** Inserts `egress_spans` rows (see span-rows.ts); the materialized views fill the rollups as ingest would. */
  insertSpans(rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Closes the store, runs `whileClosed` (what a crash leaves behind), and opens the same data dir again, without migrating. */
  reopen(whileClosed?: () => void | Promise<void>): Promise<Store>;
}

export interface MigratedStoreOptions {
  /** `openStore` options besides the data dir (engine memory, …). */
  store?: Omit<StoreOptions, 'dataDir'>;
  migrate?: MigrateOptions;
  /** A fresh store for every test (`beforeEach`/`afterEach`) instead of one per file. */
  perTest?: boolean;
}

/**
 * One store per describe block (or per test), as clickhouse-js' `createTestClient`: a temp dir,
 * `openStore` + `migrate` before, `close` and removal after. chDB runs one engine per process and
 * vitest gives each file its own process, so a file holds one of these at a time.
 */
export function useMigratedStore(options: MigratedStoreOptions = {}): MigratedStore {
  let dir: ReturnType<typeof tempDir> | undefined;
  let store: Store | undefined;
  const open = async (): Promise<void> => {
    dir = tempDir();
    store = await openStore({ ...options.store, dataDir: dir.path });
    await migrate(store, options.migrate);
  };
  const close = async (): Promise<void> => {
    await store?.close();
    store = undefined;
    dir?.remove();
  };
  if (options.perTest) {
    beforeEach(open);
    afterEach(close);
  } else {
    beforeAll(open);
    afterAll(close);
  }
  const handle: MigratedStore = {
    get current(): Store {
      if (!store) throw new Error('useMigratedStore: the store is open only inside tests and hooks');
      return store;
    },
    get dataDir(): string {
      if (!dir) throw new Error('useMigratedStore: the data dir exists only inside tests and hooks');
      return dir.path;
    },
    async insertSpans(rows) {
      if (rows.length > 0) await handle.current.client.insert({ table: 'egress_spans', values: [...rows], format: 'JSONEachRow' });
    },
    async reopen(whileClosed) {
      await handle.current.close();
      await whileClosed?.();
      store = await openStore({ ...options.store, dataDir: handle.dataDir });
      return store;
    },
  };
  return handle;
}
