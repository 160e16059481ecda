import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a running `start` leaves in its data dir so that other commands can reach it. */
export interface InstanceInfo {
  url: string;
  pid: number;
  apiToken: string;
  startedAt: string;
}

export function instanceFilePath(dataDir: string): string {
  return join(dataDir, 'instance.json');
}

/**
 * Written with mode 0600: the API token is the key to the running instance's store (and to new
 * console login links). Written beside and renamed into place, so the mode holds even over an
 * older file that had another, and a reader never sees half of it.
 */
export function writeInstanceFile(dataDir: string, info: InstanceInfo): void {
  const path = instanceFilePath(dataDir);
  const next = `${path}.${process.pid}.tmp`;
  rmSync(next, { force: true });
  writeFileSync(next, JSON.stringify(info, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(next, path);
}

export function removeInstanceFile(dataDir: string, pid = process.pid): void {
  const info = readInstanceFile(dataDir);
  if (info?.pid === pid) rmSync(instanceFilePath(dataDir), { force: true });
}

/** The instance file if present and well-formed (a stale one is judged by the caller). */
export function readInstanceFile(dataDir: string): InstanceInfo | undefined {
  const path = instanceFilePath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<InstanceInfo>;
    if (typeof raw.url === 'string' && typeof raw.pid === 'number' && typeof raw.apiToken === 'string') {
      return { url: raw.url, pid: raw.pid, apiToken: raw.apiToken, startedAt: String(raw.startedAt ?? '') };
    }
  } catch {
    // A half-written or foreign file is treated as absent.
  }
  return undefined;
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
