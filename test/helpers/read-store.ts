import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export type StoredRows = Record<string, unknown>[];

/** The compiled store, as the CLI runs it (`npm test` builds first). */
const STORE_MODULE = pathToFileURL(resolve(import.meta.dirname, '../../dist/storage/store.js')).href;

/**
 * Runs `queries` (name → SQL) against the embedded store in `dataDir` and returns each one's rows.
 * In a child process: chDB runs one engine per process, so a test can read the stores of several
 * stopped `egresswatch start` instances, one after the other.
 */
export function readStore(dataDir: string, queries: Record<string, string>): Record<string, StoredRows> {
  const script = `
    const { openStore } = await import(${JSON.stringify(STORE_MODULE)});
    const store = await openStore({ dataDir: process.argv[1] });
    const out = {};
    try {
      for (const [name, query] of Object.entries(JSON.parse(process.argv[2]))) out[name] = await (await store.client.query({ query, format: 'JSONEachRow' })).json();
    } finally {
      await store.close();
    }
    process.stdout.write(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, dataDir, JSON.stringify(queries)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`reading the store in ${dataDir} failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Record<string, StoredRows>;
}
