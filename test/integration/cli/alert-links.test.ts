import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSpans, otlpRequests } from '../../../cli/demo-traffic.js';
import type { Alert } from '../../../common/types.js';
import { runCli, startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MINUTE = 60_000;

/** A port free right now (the instance takes it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const CONFIG = [
  // HubSpot may receive e-mail addresses and names; the demo's crm-sync starts sending SSNs.
  'vendors:',
  '  hubspot: { hosts: [api.hubapi.com], allow_pii: [email, person_name] }',
  'detection: { step_seconds: 10, lag_seconds: 0 }',
  'alerts: { rules: { pii_violation: { for_steps: 1 } } }',
  '',
].join('\n');

/** Sends 20 minutes of demo traffic (SSNs to HubSpot in the last 5) and waits for the live worker's pii_violation. */
async function liveViolation(ew: RunningInstance): Promise<Alert> {
  const now = Date.now();
  for (const body of otlpRequests(demoSpans(now - 20 * MINUTE, now, now - 5 * MINUTE))) {
    const res = await fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
  }
  // The live worker ticks every 10 s here.
  return eventually(
    async () => {
      const res = await fetch(`${ew.url}/api/alerts?status=firing`, { headers: { authorization: `Bearer ${ew.apiToken}` } });
      const alert = ((await res.json()) as Alert[]).find((a) => a.kind === 'pii_violation');
      if (!alert) throw new Error('no firing pii_violation yet');
      return alert;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

describe('start --port 0: the runbook link of a live alert answers', () => {
  const dir = tempDir();
  const configFile = join(dir.path, 'egresswatch.yaml');
  let ew: RunningInstance;
  beforeAll(async () => {
    writeFileSync(configFile, CONFIG);
    ew = await startInstance(dir.path, { EGRESSWATCH_CONFIG: configFile });
  }, 60_000);
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('links to the port it listens on (not 4318), in the API and in `alerts`, and the page is served', async () => {
    expect(new URL(ew.url).port).not.toBe('4318');
    const alert = await liveViolation(ew);
    expect(alert.runbook_url).toBe(`${ew.url}/runbooks/pii_violation`);
    const page = await fetch(alert.runbook_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<h1[^>]*>[^<]*pii_violation|PII/i);
    // The banner says where the links go.
    expect(ew.stdout()).toContain(`  runbooks   ${ew.url}/runbooks\n`);

    const listed = await runCli(dir.path, ['alerts', '--status', 'firing', '--json'], { EGRESSWATCH_CONFIG: configFile });
    expect(listed.code, listed.stderr).toBe(0);
    const viaCli = (JSON.parse(listed.stdout) as Alert[]).find((a) => a.fingerprint === alert.fingerprint);
    expect(viaCli?.runbook_url).toBe(alert.runbook_url);
  }, 120_000);
});

describe('EGRESSWATCH_EXTERNAL_URL: links use the name users reach the instance by', () => {
  const dir = tempDir();
  const configFile = join(dir.path, 'egresswatch.yaml');
  let ew: RunningInstance;
  let external = '';
  beforeAll(async () => {
    writeFileSync(configFile, CONFIG);
    const port = await freePort();
    external = `http://localhost:${port}`;
    ew = await startInstance(dir.path, { EGRESSWATCH_CONFIG: configFile, EGRESSWATCH_EXTERNAL_URL: `${external}/` }, ['--port', String(port)]);
  }, 60_000);
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('runbook links are on the external URL, not on the listener address, and answer there', async () => {
    expect(ew.url).toBe(external.replace('localhost', '127.0.0.1'));
    const alert = await liveViolation(ew);
    expect(alert.runbook_url).toBe(`${external}/runbooks/pii_violation`);
    expect((await fetch(alert.runbook_url)).status).toBe(200);
    expect(ew.stdout()).toContain(`  runbooks   ${external}/runbooks\n`);
  }, 120_000);
});
