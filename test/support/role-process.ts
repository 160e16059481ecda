import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from '../helpers/egresswatch-process.js';

/** One egresswatch process of the scale-out topology (collector, worker, migrate, …). */
export interface RoleProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Collector: its `http://host:port` (the OTLP path is `/v1/traces`). */
  readonly url: string | undefined;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null after a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, then waits for the exit: a crash, no cleanup. */
  kill(): Promise<void>;
}

/**
 * Starts `egresswatch <args>` and resolves once its stdout says it is ready (`ready` matches),
 * or rejects when it exits first or `timeoutMs` passes. Output is kept for failure messages.
 */
export function startRole(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 30_000): Promise<RoleProcess> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready\n${err}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = ready.exec(out);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        name,
        child,
        url: match.groups?.['url'],
        stdout: () => out,
        stderr: () => err,
        exited,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}

/** Runs `egresswatch <args>` to its end. */
export function runRole(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The ready line of `egresswatch collector`, with its address. */
export const COLLECTOR_READY = /listening on (?<url>http:\/\/[^\s/]+)\/v1\/traces/;
/** The ready line of `egresswatch worker`. */
export const WORKER_READY = /egresswatch worker running/;
