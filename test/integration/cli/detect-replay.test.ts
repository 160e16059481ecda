import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertFingerprint } from '../../../alerts/fingerprint.js';
import { progressPrinter } from '../../../cli/commands/detect.js';
import { demoSpans, otlpRequests } from '../../../cli/demo-traffic.js';
import { ALERT_KINDS, SEVERITIES, type Alert } from '../../../common/types.js';
import { listReplayAlerts, recordAlerts } from '../../../storage/alert-store.js';
import { migrate } from '../../../storage/migrate.js';
import { openStore } from '../../../storage/store.js';
import { runCli, startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MINUTE = 60_000;
const CONFIG = 'vendors:\n  hubspot: { hosts: [api.hubapi.com], allow_pii: [email, person_name] }\n  stripe: { hosts: [api.stripe.com], allow_pii: [email] }\n  twilio: { hosts: [api.twilio.com], allow_pii: [phone] }\n';

/** Two days of demo egress with the incident in the last 30 minutes, sent to a collector. */
async function ingestDemo(url: string, now: number): Promise<void> {
  for (const body of otlpRequests(demoSpans(now - 2 * 24 * 60 * MINUTE, now, now - 30 * MINUTE))) {
    const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
const key = (a: Alert): string => `${a.fingerprint} ${a.kind} ${a.status} ${a.startsAt} ${a.endsAt ?? ''}`;

/** Receivers on loopback: the webhook takes everything, PagerDuty refuses every event as PagerDuty does. */
async function fakeReceivers(): Promise<{ url: string; server: Server; received: () => string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(`${req.url} ${body}`);
      if (req.url === '/pagerduty') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"] }));
      } else {
        res.writeHead(200);
        res.end('ok');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, received: () => received };
}

describe('detect replays an incident through a running instance and prints docs/ARCHITECTURE.md alert objects', () => {
  const dir = tempDir();
  let ew: RunningInstance;
  let receivers: Awaited<ReturnType<typeof fakeReceivers>>;
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const env = { EGRESSWATCH_CONFIG: join(dir.path, 'egresswatch.yaml') };
  beforeAll(async () => {
    writeFileSync(join(dir.path, 'egresswatch.yaml'), CONFIG);
    receivers = await fakeReceivers();
    ew = await startInstance(dir.path, {
      ...env,
      EGRESSWATCH_WEBHOOK_URL: `${receivers.url}/hook`,
      PAGERDUTY_ROUTING_KEY: 'R0UTINGKEY',
      PAGERDUTY_EVENTS_URL: `${receivers.url}/pagerduty`,
    });
    await ingestDemo(ew.url, now);
  }, 120_000);
  afterAll(async () => {
    await ew?.stop();
    await new Promise<void>((r) => receivers?.server.close(() => r()));
    dir.remove();
  });

  it('finds the spike, the bytes surge, the new SSN and the new destination, once each', async () => {
    const from = now - 60 * MINUTE;
    const res = await runCli(dir.path, ['detect', '--from', iso(from), '--to', iso(now + MINUTE), '--json'], env);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const alerts = JSON.parse(res.stdout) as Alert[];
    // What started in the window; an alert already firing when it opens is listed with its older start.
    const firing = alerts.filter((a) => a.status === 'firing' && Date.parse(a.startsAt) >= from);
    // One alert each; one may be listed twice when its severity rises (warning, then critical).
    const kinds = [...new Map(firing.map((a) => [a.fingerprint, `${a.kind}:${a.vendor}`])).values()].sort();
    expect(kinds).toEqual(['bytes_spike:stripe', 'new_destination:example.net', 'pii_new:hubspot', 'pii_violation:hubspot', 'volume_spike:stripe']);
    for (const a of firing) {
      expect(ALERT_KINDS).toContain(a.kind);
      expect(SEVERITIES).toContain(a.severity);
      expect(a.fingerprint).toMatch(/^[0-9a-f]{8,}$/);
      expect(Date.parse(a.startsAt)).toBeGreaterThan(now - 2 * 60 * MINUTE);
      expect(a.summary.length).toBeGreaterThan(10);
      expect(a.runbook_url).toMatch(new RegExp(`/runbooks/${a.kind}$`));
      expect(a.labels).toMatchObject({ kind: a.kind, vendor: a.vendor });
      // Printed as computed: the replay label goes only on what is recorded or sent.
      expect(a.labels['source']).toBeUndefined();
    }
    // The SSN went to hubspot only from the incident on: a causal replay says so.
    const violation = firing.find((a) => a.kind === 'pii_violation')!;
    expect(Date.parse(violation.startsAt)).toBeGreaterThanOrEqual(now - 31 * MINUTE);

    // The runbook link of an alert is a served page.
    const page = await fetch(`${ew.url}/runbooks/volume_spike`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<h1[^>]*>.*volume/i);
  });

  it('gives a minute the same alerts whether the replay starts before the incident or in the middle of it', async () => {
    const to = iso(now - 5 * MINUTE);
    const early = await runCli(dir.path, ['detect', '--from', iso(now - 50 * MINUTE), '--to', to, '--json'], env);
    const late = await runCli(dir.path, ['detect', '--from', iso(now - 22 * MINUTE), '--to', to, '--json'], env);
    expect([early.code, late.code]).toEqual([0, 0]);
    const earlyAlerts = (JSON.parse(early.stdout) as Alert[]).map(key);
    const lateAlerts = (JSON.parse(late.stdout) as Alert[]).map(key);
    // The incident began 8 minutes before the late window: its alerts are open when it opens,
    // with the start the early replay saw them fire at, not the window's first minute.
    const spike = (JSON.parse(late.stdout) as Alert[]).find((a) => a.kind === 'volume_spike')!;
    expect(Date.parse(spike.startsAt)).toBeLessThan(now - 22 * MINUTE);
    expect(lateAlerts.length).toBeGreaterThanOrEqual(5);
    for (const alert of lateAlerts) expect(earlyAlerts).toContain(alert);
  });

  it('--record keeps the replay apart, --notify says per receiver what got what, with the real status', async () => {
    const args = ['detect', '--from', iso(now - 40 * MINUTE), '--to', iso(now - 10 * MINUTE), '--record', '--notify'];
    const res = await runCli(dir.path, args, env);
    // PagerDuty refused: the command says so, and fails.
    expect(res.code).toBe(1);
    const out = res.stdout;
    const replayId = /as replay ([0-9a-f-]{36})/.exec(out)?.[1];
    expect(replayId).toBeDefined();
    expect(out).toMatch(/notifications, sent by the running egresswatch \(pid \d+\):/);
    expect(out).toMatch(/^ {2}webhook\s+(sent|\d+ messages? sent before)/m);
    expect(out).toMatch(/^ {2}pagerduty\s+FAILED \d+ messages? \(\d+ firing\): HTTP 400: Event object is invalid/m);
    expect(receivers.received().some((r) => r.startsWith('/hook ') && r.includes('"source":"replay"'))).toBe(true);

    // The same replay again: nothing new goes out, and it says so.
    const again = await runCli(dir.path, args, env);
    expect(again.stdout).toMatch(/^ {2}webhook\s+\d+ messages? .*sent before \(same alerts, group and window\): not sent again/m);

    // The live worker keeps running here, so `alerts` may move on by itself; none of it is the replay's.
    const after = await runCli(dir.path, ['alerts', '--json'], env);
    for (const a of JSON.parse(after.stdout) as Alert[]) expect(a.labels['source']).toBeUndefined();
  });
});

describe('a replay is read-only unless asked', () => {
  const dir = tempDir();
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const env = { EGRESSWATCH_CONFIG: join(dir.path, 'egresswatch.yaml') };
  /** Every row of `alerts`, as stored. */
  const rows = async (): Promise<unknown[]> => {
    const store = await openStore({ dataDir: dir.path });
    try {
      const rs = await store.client.query({ query: 'SELECT * FROM alerts ORDER BY fingerprint, updated_at, status', format: 'JSONEachRow' });
      return await rs.json();
    } finally {
      await store.close();
    }
  };
  const liveSpike: Alert = {
    fingerprint: alertFingerprint({ kind: 'volume_spike', vendor: 'stripe', service: 'checkout' }),
    kind: 'volume_spike',
    severity: 'warning',
    status: 'firing',
    vendor: 'stripe',
    service: 'checkout',
    startsAt: iso(now - 26 * 60 * MINUTE),
    summary: 'live: checkout calls stripe far more than usual',
    runbook_url: 'http://127.0.0.1:4318/runbooks/volume_spike',
    labels: { alertname: 'volume_spike', kind: 'volume_spike', vendor: 'stripe', service: 'checkout', severity: 'warning' },
    annotations: {},
  };
  beforeAll(async () => {
    writeFileSync(env.EGRESSWATCH_CONFIG, CONFIG);
    // The data, then the instance goes: the replays below open the store themselves.
    const ew = await startInstance(dir.path, env);
    try {
      await ingestDemo(ew.url, now);
    } finally {
      await ew.stop();
    }
    const store = await openStore({ dataDir: dir.path });
    try {
      await migrate(store);
      // A live alert on the same fingerprint the replay fires and resolves, last changed a day ago.
      await recordAlerts(store, [liveSpike], now - 24 * 60 * MINUTE);
    } finally {
      await store.close();
    }
  }, 120_000);
  afterAll(() => dir.remove());

  it('leaves the alerts table and `alerts` as they were, over a window that overlaps live alerts', async () => {
    const table = await rows();
    const listed = await runCli(dir.path, ['alerts', '--json'], env);
    const res = await runCli(dir.path, ['detect', '--from', iso(now - 90 * MINUTE), '--to', iso(now), '--json'], env);
    expect(res.code).toBe(0);
    const replayed = JSON.parse(res.stdout) as Alert[];
    expect(replayed.some((a) => a.fingerprint === liveSpike.fingerprint)).toBe(true);
    expect(await rows()).toEqual(table);
    expect((await runCli(dir.path, ['alerts', '--json'], env)).stdout).toBe(listed.stdout);
  });

  it('--notify without a running instance delivers from this process, says so, and blames no missing redis-server', async () => {
    const receivers = await fakeReceivers();
    try {
      const res = await runCli(dir.path, ['detect', '--from', iso(now - 40 * MINUTE), '--to', iso(now), '--notify'], { ...env, EGRESSWATCH_WEBHOOK_URL: `${receivers.url}/hook` });
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/^notifications, sent by this process:\n {2}webhook\s+sent \d+ messages? \(\d+ firing/m);
      expect(receivers.received().filter((r) => r.startsWith('/hook ')).length).toBeGreaterThan(0);
      // redis-server is on PATH here; this command just has no use for one.
      expect(res.stderr).not.toMatch(/redis-server/);
    } finally {
      await new Promise<void>((r) => receivers.server.close(() => r()));
    }
  });

  it('--record writes the changes to replay_alerts, labelled, and still not to alerts', async () => {
    const table = await rows();
    const res = await runCli(dir.path, ['detect', '--from', iso(now - 40 * MINUTE), '--to', iso(now), '--record'], env);
    expect(res.code).toBe(0);
    const replayId = /recorded (\d+) alert changes? in replay_alerts as replay ([0-9a-f-]{36}) \(the live alerts are untouched\)/.exec(res.stdout);
    expect(replayId).not.toBeNull();
    expect(await rows()).toEqual(table);
    const store = await openStore({ dataDir: dir.path });
    try {
      const recorded = await listReplayAlerts(store, replayId![2]!);
      expect(recorded).toHaveLength(Number(replayId![1]));
      expect(recorded.map((a) => `${a.kind}:${a.vendor}`)).toEqual(expect.arrayContaining(['volume_spike:stripe', 'pii_violation:hubspot']));
      for (const a of recorded) expect(a.labels['source']).toBe('replay');
    } finally {
      await store.close();
    }
  });
});

describe('detect progress lines', () => {
  it('says nothing for a short replay, then steps, share and time left at most once per interval', () => {
    let t = 0;
    const lines: string[] = [];
    const print = progressPrinter((l) => lines.push(l), 10_000, () => t);
    for (let k = 1; k <= 60; k++) {
      t += 100;
      print({ phase: 'lookback', done: k, total: 120, windowSteps: 2880 });
    }
    expect(lines).toEqual([]);
    for (let done = 1; done <= 2880; done++) {
      t += 50;
      print({ phase: 'window', done, total: 2880, windowSteps: 2880 });
    }
    expect(lines.length).toBeGreaterThanOrEqual(14);
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(lines[0]).toMatch(/^detect: \d+\/2880 steps \(\d+%\), \d+s so far, about \d+(m\d\ds|s) left$/);
  });
});
