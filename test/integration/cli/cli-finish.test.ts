import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../common/types.js';
import { runCli, startInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const repo = resolve(import.meta.dirname, '../../..');
/** As a user runs it: no log level chosen (runCli's default asks for info logs). */
const USER_ENV = { EGRESSWATCH_LOG_LEVEL: undefined };

/** stderr must be exactly one line, without a stack frame or a client dump. */
function expectOneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('errors a new user trips over: one line with the fix', () => {
  const dir = tempDir();
  let busy: Server;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => busy.close(r));
    dir.remove();
  });

  it('a port in use: no stack, no start-up logs, and how to pick another', async () => {
    const port = (busy.address() as AddressInfo).port;
    const res = await runCli(dir.path, ['start', '--port', String(port)], USER_ENV);
    expect(res.code).toBe(2);
    expect(expectOneLine(res.stderr)).toBe(
      `egresswatch: port ${port} on 127.0.0.1 is already in use (another egresswatch or OTel collector?); pick another with --port or EGRESSWATCH_PORT (--port 0 picks a free one)`,
    );
    // Refused before the store was opened or redis-server spawned.
    expect(existsSync(join(dir.path, 'clickhouse'))).toBe(false);
  });

  it('collector: a port in use is refused like start, before the store is opened', async () => {
    const port = (busy.address() as AddressInfo).port;
    const own = tempDir();
    try {
      const res = await runCli(own.path, ['collector', '--port', String(port)], USER_ENV);
      expect(res.code).toBe(2);
      expect(expectOneLine(res.stderr)).toBe(
        `egresswatch: port ${port} on 127.0.0.1 is already in use (another egresswatch or OTel collector?); pick another with --port or EGRESSWATCH_PORT (--port 0 picks a free one)`,
      );
      expect(existsSync(join(own.path, 'clickhouse'))).toBe(false);
    } finally {
      own.remove();
    }
  });

  it('collector on the data dir a running start owns: one line naming the pid and the way out, no engine lock dump', async () => {
    const own = tempDir();
    const running = await startInstance(own.path);
    try {
      const res = await runCli(own.path, ['collector', '--port', '0'], USER_ENV);
      expect(res.code).toBe(2);
      expect(res.stderr).not.toContain('DB::Exception');
      expect(expectOneLine(res.stderr)).toBe(
        `egresswatch: the data dir ${own.path} is in use by egresswatch (pid ${running.child.pid}, ${running.url}): use that instance (its API, or commands such as \`egresswatch alerts\` that go through it), stop it, or use another data dir (EGRESSWATCH_DATA_DIR or data_dir in --config)`,
      );
    } finally {
      await running.stop();
      own.remove();
    }
  }, 60_000);

  it('start, stopped with SIGTERM: "stopping", then a last "stopped" line with how long it took, after every step', async () => {
    const own = tempDir();
    try {
      const running = await startInstance(own.path);
      await running.stop();
      const lines = running.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; durationMs?: number });
      const stopping = lines.findIndex((l) => l.msg === 'stopping');
      expect(stopping, running.stderr()).toBeGreaterThanOrEqual(0);
      const last = lines[lines.length - 1]!;
      expect(last.msg).toBe('stopped');
      expect(last.durationMs).toBeGreaterThanOrEqual(0);
      // The last stop step (the instance file) ran before it was said.
      expect(existsSync(join(own.path, 'instance.json'))).toBe(false);
    } finally {
      own.remove();
    }
  }, 60_000);

  it('an unreachable ClickHouse: the one clear line, no client dump; the details with EGRESSWATCH_LOG_LEVEL=debug', async () => {
    // A port that was free a moment ago: connection refused.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const env = { ...USER_ENV, EGRESSWATCH_CLICKHOUSE_URL: `http://127.0.0.1:${port}` };
    const res = await runCli(dir.path, ['vendors'], env);
    expect(res.code).toBe(1);
    expect(expectOneLine(res.stderr)).toMatch(new RegExp(`^egresswatch: cannot reach ClickHouse at http://127\\.0\\.0\\.1:${port}/: .*ECONNREFUSED.* — is the ClickHouse server running and reachable there\\? Check EGRESSWATCH_CLICKHOUSE_URL`));
    const debug = await runCli(dir.path, ['vendors'], { ...env, EGRESSWATCH_LOG_LEVEL: 'debug' });
    expect(debug.stderr).toMatch(/^\s+at /m);
    expect(debug.stderr).toContain('"module":"clickhouse-client"');
  });

  it('an unknown option names itself and the valid ones, with no doubled prefix; an unknown command suggests one', async () => {
    const res = await runCli(dir.path, ['vendors', '--vendr', 'stripe'], USER_ENV);
    expect(res.code).toBe(2);
    expect(expectOneLine(res.stderr)).toBe("egresswatch: vendors: unknown option '--vendr' — did you mean '--vendor'? (options: --config, --json, --since, --vendor, --help)");
    const command = await runCli(dir.path, ['vendor'], USER_ENV);
    expect(command.code).toBe(2);
    expect(expectOneLine(command.stderr)).toMatch(/^egresswatch: unknown command 'vendor' — did you mean 'vendors'\? \(commands: start, /);
  });

  it('backtest refuses an existing file and an uncreatable directory at once, in one line', async () => {
    const input = join(dir.path, 'in.csv');
    writeFileSync(input, 'timestamp,value\n2015-02-26 00:00:00,1\n');
    const file = join(dir.path, 'results.csv');
    writeFileSync(file, 'not a directory');
    const onFile = await runCli(dir.path, ['backtest', '--input', input, '--output', file], USER_ENV);
    expect(onFile.code).toBe(2);
    expect(expectOneLine(onFile.stderr)).toBe(`egresswatch: --output ${file}: is a file; give a directory that can be written (results land at the inputs' relative paths)`);
    if (existsSync('/proc/self')) {
      // Node's recursive mkdir used to spin here at 90 % CPU; the test would time out.
      const proc = await runCli(dir.path, ['backtest', '--input', input, '--output', '/proc/nope'], USER_ENV);
      expect(proc.code).toBe(2);
      expect(expectOneLine(proc.stderr)).toMatch(/^egresswatch: --output \/proc\/nope: cannot (create \/proc\/nope|write in it) \(E[A-Z]+\)/);
    }
  });
});

describe('demo --keep, then what it printed', () => {
  let keptDir = '';
  let keptConfig = '';
  let startCommand: string[] = [];
  let demoOut = '';
  beforeAll(async () => {
    const res = await runCli(repo, ['demo', '--keep'], USER_ENV, repo);
    demoOut = res.stdout;
    expect(res.code, res.stderr).toBe(0);
    const line = res.stdout.split('\n').find((l) => / start --config /.test(l));
    expect(line, res.stdout).toBeDefined();
    startCommand = line!.trim().split(/\s+/);
    keptConfig = startCommand[startCommand.length - 1]!;
    keptDir = resolve(keptConfig, '..');
  }, 180_000);
  afterAll(() => {
    if (keptDir.includes('egresswatch-demo-')) rmSync(keptDir, { recursive: true, force: true });
  });

  /** A command on the kept data, as the printed lines say: `--config <kept>/egresswatch.yaml`. */
  const kept = (args: string[]): ReturnType<typeof runCli> => runCli(keptDir, [...args, '--config', keptConfig], USER_ENV, repo);

  it('prints a start command to paste, and `vendors` / `alerts` lines for the same data', () => {
    expect(startCommand.slice(0, 4)).toEqual(['node', 'bin/egresswatch.js', 'start', '--config']);
    expect(keptConfig).toBe(join(keptDir, 'egresswatch.yaml'));
    expect(demoOut).toContain(`node bin/egresswatch.js vendors --config ${keptConfig}`);
    expect(demoOut).toMatch(/runbook: http:\/\/127\.0\.0\.1:\d+\/runbooks\/volume_spike/);
  });

  it('vendors: an unknown vendor is an error with the nearest name; a known one shows when each field appeared', async () => {
    const typo = await kept(['vendors', '--vendor', 'strpe']);
    expect(typo.code).toBe(2);
    expect(expectOneLine(typo.stderr)).toMatch(/^egresswatch: vendors --vendor: no vendor 'strpe' has been seen or configured — did you mean 'stripe'\? \(known: .*stripe/);
    const hubspot = await kept(['vendors', '--vendor', 'hubspot']);
    expect(hubspot.code, hubspot.stderr).toBe(0);
    expect(hubspot.stdout).toMatch(/→ properties\.ssn: string {2}\[PII: ssn\] {2}since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
    // Nothing but the answer: no "store opened" / "migration applied" lines.
    expect(hubspot.stderr).toBe('');
  });

  it('silence: a label typo is refused with the right label; a silence says what it holds back, and `alerts` marks it', async () => {
    const typo = await kept(['silence', 'add', '--match', 'vendr=stripe', '--for', '1h', '--comment', 'INC-7']);
    expect(typo.code).toBe(2);
    expect(expectOneLine(typo.stderr)).toBe(
      "egresswatch: matcher 'vendr=stripe': alerts have no label 'vendr' — did you mean 'vendor'? (labels: alertname, kind, vendor, service, severity, route, field, source)",
    );
    const firing = JSON.parse((await kept(['alerts', '--status', 'firing', '--json'])).stdout) as Alert[];
    const stripe = firing.filter((a) => a.vendor === 'stripe');
    expect(stripe.length).toBeGreaterThan(0);

    const added = await kept(['silence', 'add', '--match', 'vendor=stripe', '--for', '1h', '--comment', 'INC-7 stripe migration']);
    expect(added.code, added.stderr).toBe(0);
    const id = /^silence (\S+) until /.exec(added.stdout)?.[1];
    expect(added.stdout).toMatch(new RegExp(`; it matches ${stripe.length} firing alerts? now\\n$`));
    const listed = await kept(['alerts', '--status', 'firing']);
    const marked = listed.stdout.split('\n').filter((l) => l.includes(`[silenced by ${id}]`));
    expect(marked).toHaveLength(stripe.length);
    expect(listed.stdout).toContain(`${stripe.length} firing alert${stripe.length === 1 ? '' : 's'} silenced: not sent to any receiver`);
    const json = JSON.parse((await kept(['alerts', '--status', 'firing', '--json'])).stdout) as Array<Alert & { silencedBy?: string[] }>;
    for (const a of json) expect(a.silencedBy, `${a.kind}:${a.vendor}`).toEqual(a.vendor === 'stripe' ? [id] : undefined);
  });

  it('the printed start command serves the kept alerts, their runbook links answer, and the API marks silenced ones', async () => {
    const alerts = JSON.parse((await kept(['alerts', '--status', 'firing', '--json'])).stdout) as Alert[];
    expect(alerts.length).toBeGreaterThan(0);
    const child = spawn(process.execPath, startCommand.slice(1), { cwd: repo, env: { ...process.env, EGRESSWATCH_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('egresswatch is running')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the printed start did not come up: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const a of alerts) {
        const page = await fetch(a.runbook_url);
        expect(page.status, a.runbook_url).toBe(200);
      }
      // Through the running instance's API now, as the console reads it.
      const viaApi = JSON.parse((await kept(['alerts', '--status', 'firing', '--json'])).stdout) as Array<Alert & { silencedBy?: string[] }>;
      expect(viaApi.filter((a) => a.silencedBy).map((a) => a.vendor)).toContain('stripe');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 120_000);
});
