/**
 * Loaded into `egresswatch start` by bench:soak (`node --import`): every
 * EGRESSWATCH_SOAK_INTERVAL_MS it appends one JSON line to EGRESSWATCH_SOAK_SAMPLES with the
 * process's memory (RSS, V8 heap, external) and the embedded engine's own figures
 * (storage/engine-memory.ts). The engine is one per process and a second connection to its data
 * path shares it; that connection is opened only once `start` has opened the store (its instance
 * file exists), so the store's engine settings are the ones in force.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadChdbConnection } from '../storage/chdb-module.js';
import { readEngineMemory, type EngineMemory } from '../storage/engine-memory.js';
import { readSmapsBreakdown, type SmapsBreakdown } from './smaps-breakdown.js';

/** One sample, as bench:soak reads it. */
export interface SoakSample {
  /** ms since the epoch. */
  at: number;
  rss: number;
  /** V8 heap of the main thread (the decode worker's heap is in RSS only). */
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** VmHWM: peak RSS so far. */
  peakRss: number;
  /** RSS in anonymous memory (heaps, the engine's allocations) and in mapped files (mostly libchdb's code). */
  rssAnon: number;
  rssFile: number;
  engine?: EngineMemory | undefined;
  /** RSS by kind of mapping (bench/smaps-breakdown.ts): which allocator holds it. */
  smaps?: SmapsBreakdown | undefined;
}

const file = process.env['EGRESSWATCH_SOAK_SAMPLES'];
const dataDir = process.env['EGRESSWATCH_DATA_DIR'];
const intervalMs = Number(process.env['EGRESSWATCH_SOAK_INTERVAL_MS'] ?? 15_000);

// Worker threads inherit --import: the decode worker would load this too, sample its own heap
// into the same file and open a second connection to the engine (as it did in runs before
// 2026-12-04 evening: samples twice as often, the worker's heap in the V8 column every other row).
if (file && dataDir && isMainThread) {
  let client: ClickHouseClient | undefined;
  const sample = async (): Promise<void> => {
    if (!client && existsSync(join(dataDir, 'instance.json'))) {
      // Imported only now, so that the probe changes nothing in the process before the store has
      // loaded the engine's library and started the engine.
      const [{ createClient }, { createChdbConnection }] = await Promise.all([import('@clickhouse/client'), loadChdbConnection()]);
      client = createClient({ connection: createChdbConnection({ path: join(dataDir, 'clickhouse') }) } as Parameters<typeof createClient>[0]);
    }
    const memory = process.memoryUsage();
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    let engine: EngineMemory | undefined;
    try {
      engine = client ? await readEngineMemory({ client }) : undefined;
    } catch {
      // The engine is shutting down with the process: this sample has no engine figures.
    }
    const line: SoakSample = { at: Date.now(), rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external, arrayBuffers: memory.arrayBuffers, peakRss: kb('VmHWM'), rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), engine, smaps: readSmapsBreakdown() };
    appendFileSync(file, JSON.stringify(line) + '\n');
  };
  setInterval(() => void sample(), intervalMs).unref();
}
