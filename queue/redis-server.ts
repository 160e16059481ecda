import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { logger } from '../common/logger.js';

const log = logger('redis');

/** A redis-server this process started and owns. */
export interface OwnedRedis {
  /** `redis://:<password>@127.0.0.1:<port>`: a secret; print it only without its userinfo. */
  url: string;
  stop(): Promise<void>;
}

/** Whether `redis-server` is on PATH. */
export function redisServerAvailable(): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** A free TCP port on loopback (the OS picks; a tiny race with other processes is accepted). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a private redis-server on 127.0.0.1 with its data (AOF, so queued jobs survive a
 * restart) under `dir`. Resolves once it accepts connections.
 *
 * Any local user can connect to a port on 127.0.0.1, and Redis holds the alert step state and
 * the notification jobs, so it gets a fresh random password each start (`requirepass`). The
 * password goes in a 0600 config file in the 0700 data dir, never on the command line, which
 * every user sees in `ps`; the 0700 dir also keeps the AOF (job payloads) and the log private.
 */
export async function startRedisServer(dir: string): Promise<OwnedRedis> {
  const dataDir = resolve(dir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to a dir it creates; one from an older version may be 0755.
  chmodSync(dataDir, 0o700);
  await stopOrphan(join(dataDir, 'owner.pid'));
  const port = await freePort();
  const password = randomBytes(32).toString('hex');
  const configFile = join(dataDir, 'redis.conf');
  rmSync(configFile, { force: true });
  writeFileSync(configFile, `# written by egresswatch at each start; the password changes every time\nrequirepass ${password}\n`, { mode: 0o600, flag: 'wx' });
  const child: ChildProcess = spawn(
    'redis-server',
    [configFile, '--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes', '--logfile', join(dataDir, 'redis.log')],
    { stdio: 'ignore' },
  );
  if (child.pid !== undefined) writeFileSync(join(dataDir, 'owner.pid'), String(child.pid));
  // The empty user name means `AUTH <password>`, which ioredis and BullMQ send from the URL.
  const url = `redis://:${password}@127.0.0.1:${port}`;
  await new Promise<void>((ready, fail) => {
    const deadline = Date.now() + 10_000;
    const exitEarly = (code: number | null): void => fail(new Error(`redis-server exited with code ${code}; see ${join(dataDir, 'redis.log')}`));
    child.once('exit', exitEarly);
    const probe = (): void => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        child.off('exit', exitEarly);
        ready();
      });
      socket.on('error', () => {
        if (Date.now() > deadline) fail(new Error('redis-server did not start within 10 s'));
        else setTimeout(probe, 50);
      });
    };
    probe();
  });
  log.info({ port, dir: dataDir }, 'embedded redis-server started');
  let stopped: Promise<void> | undefined;
  return {
    url,
    stop: () =>
      (stopped ??= new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      })),
  };
}


/**
 * A redis-server left behind by an owner that was killed (SIGKILL gives it no chance to stop
 * its child) still holds this data dir's AOF; stop it before starting another on the same files.
 */
async function stopOrphan(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isRedis(pid)) return;
  log.warn({ pid }, 'stopping a redis-server left running by an earlier egresswatch on this data dir');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isRedis(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

function isRedis(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('redis-server');
  } catch {
    return false;
  }
}
