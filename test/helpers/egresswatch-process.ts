import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from './temp-dir.js';

/** The repo's CLI, as users run it (compiled; `npm test` builds first). */
export const CLI = resolve(import.meta.dirname, '../../bin/egresswatch.js');

export interface RunningInstance {
  url: string;
  apiToken: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop: () => Promise<number | null>;
  /** SIGKILL and wait. */
  kill: () => Promise<void>;
}

function childEnv(dataDir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, EGRESSWATCH_DATA_DIR: dataDir, EGRESSWATCH_LOG_LEVEL: 'info', ...env };
}

const START_DEADLINE_MS = 120_000;

/** Starts `egresswatch start --port 0` on `dataDir` and waits for its instance file. */
export async function startInstance(dataDir: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<RunningInstance> {
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', ...args], { env: childEnv(dataDir, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // A test process that ends (a hook timed out, a file failed) must not leave `start` and its
  // redis-server behind: SIGTERM lets it stop its own children.
  const orphanGuard = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', orphanGuard);
  void exited.then(() => process.removeListener('exit', orphanGuard));
  const file = join(dataDir, 'instance.json');
  // Migrations alone took over 30 s at load 25 on the shared 2-core machine.
  const deadline = Date.now() + START_DEADLINE_MS;
  while (!(existsSync(file) && out.includes('egresswatch is running'))) {
    if (child.exitCode !== null) throw new Error(`egresswatch start exited ${child.exitCode}: ${err}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`egresswatch start not ready in ${START_DEADLINE_MS / 1000} s (stopped): ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(readFileSync(file, 'utf8')) as { url: string; apiToken: string };
  return {
    url: info.url,
    apiToken: info.apiToken,
    child,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs one CLI command to completion. */
export function runCli(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(dataDir, env), stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * One `start` for a describe block: started in beforeAll on a fresh directory, stopped (and the
 * directory removed) in afterAll. `ew` may be read from beforeAll's end on.
 */
export function useStartedInstance(env: NodeJS.ProcessEnv = {}): { readonly dir: string; readonly ew: RunningInstance } {
  const dir = tempDir();
  let ew: RunningInstance | undefined;
  beforeAll(async () => {
    ew = await startInstance(dir.path, env);
  });
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });
  return {
    dir: dir.path,
    get ew(): RunningInstance {
      if (!ew) throw new Error('the instance is started in beforeAll: read it in a test or hook');
      return ew;
    },
  };
}
