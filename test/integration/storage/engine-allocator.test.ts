import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { engineAllocatorConf } from '../../../storage/engine-settings.js';

const run = promisify(execFile);
const DIST = resolve(import.meta.dirname, '../../../dist/storage');

/**
 * jemalloc reads its options once per process, when libchdb loads: each case is a fresh node
 * process that loads chDB through withEngineAllocator (compiled, as `start` runs it) and reads
 * the options the engine's allocator runs with from system.jemalloc_stats.
 */
async function allocatorIn(freshProcess: { options: object; userConf?: string }): Promise<{ decay: string; tcache: string; envAfter: string | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'ew-allocator-'));
  dirs.push(dir);
  const script = `
    const { withEngineAllocator, startEngine } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'engine-settings.js')).href)});
    const { loadChdb } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'chdb-module.js')).href)});
    const { Session } = await withEngineAllocator(${JSON.stringify(freshProcess.options)}, loadChdb);
    const session = new Session(${JSON.stringify(join(dir, 'clickhouse'))}, { connectionArgs: [] });
    const stats = session.query('SELECT stats FROM system.jemalloc_stats', 'TSVRaw');
    session.close();
    const decay = /opt\\.dirty_decay_ms: (-?\\d+)/.exec(String(stats))?.[1];
    const tcache = /opt\\.tcache: (\\w+)/.exec(String(stats))?.[1];
    process.stdout.write(JSON.stringify({ decay, tcache, envAfter: process.env.JE_MALLOC_CONF ?? null }));
  `;
  const env = { ...process.env };
  delete env['JE_MALLOC_CONF'];
  if (freshProcess.userConf !== undefined) env['JE_MALLOC_CONF'] = freshProcess.userConf;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env, timeout: 60_000 });
  return JSON.parse(stdout) as { decay: string; tcache: string; envAfter: string | null };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the embedded engine's allocator", () => {
  it('gives freed pages back after 1 s and keeps no per-thread caches by default (ClickHouse: 5 s, caches on), and the environment is as it was', async () => {
    expect(await allocatorIn({ options: {} })).toEqual({ decay: '1000', tcache: 'false', envAfter: null });
  });

  it('takes the configured delay and thread caches', async () => {
    expect(await allocatorIn({ options: { allocatorDirtyDecayMs: 250, allocatorThreadCaches: true } })).toMatchObject({ decay: '250', tcache: 'true' });
  });

  it('lets a JE_MALLOC_CONF the user set win over ours, and leaves it set', async () => {
    expect(await allocatorIn({ options: { allocatorDirtyDecayMs: 250 }, userConf: 'dirty_decay_ms:3000,tcache:true' })).toEqual({ decay: '3000', tcache: 'true', envAfter: 'dirty_decay_ms:3000,tcache:true' });
  });

  it('refuses a delay that is not a whole number of ms', () => {
    expect(() => engineAllocatorConf({ allocatorDirtyDecayMs: 1.5 })).toThrow(/allocatorDirtyDecayMs/);
    expect(() => engineAllocatorConf({ allocatorDirtyDecayMs: -2 })).toThrow(/allocatorDirtyDecayMs/);
    expect(engineAllocatorConf({ allocatorDirtyDecayMs: -1 })).toBe('dirty_decay_ms:-1,tcache:false');
  });
});
