import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Waits for an `egresswatch start` child (stdout piped) on `dataDir` to come up and returns its
 * URL from instance.json. Migrations on a fresh store take 30 s and more when the shared machine
 * is busy (load 25 on 2 cores, 2026-12-04), hence the default.
 */
export async function startedInstanceUrl(child: ChildProcess, dataDir: string, timeoutMs = 180_000): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('egresswatch is running') || !existsSync(join(dataDir, 'instance.json'))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('egresswatch start did not come up');
    await new Promise((r) => setTimeout(r, 50));
  }
  return (JSON.parse(readFileSync(join(dataDir, 'instance.json'), 'utf8')) as { url: string }).url;
}
