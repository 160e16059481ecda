import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoSpans, otlpRequests } from '../../../cli/demo-traffic.js';
import { ALERT_KINDS, SEVERITIES, type Alert } from '../../../common/types.js';
import { runCli, startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MINUTE = 60_000;

describe('detect replays an incident through a running instance and prints DESIGN.md alert objects', () => {
  const dir = tempDir();
  let ew: RunningInstance;
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  beforeAll(async () => {
    writeFileSync(
      join(dir.path, 'egresswatch.yaml'),
      'vendors:\n  hubspot: { hosts: [api.hubapi.com], allow_pii: [email, person_name] }\n  stripe: { hosts: [api.stripe.com], allow_pii: [email] }\n  twilio: { hosts: [api.twilio.com], allow_pii: [phone] }\n',
    );
    ew = await startInstance(dir.path, { EGRESSWATCH_CONFIG: join(dir.path, 'egresswatch.yaml') });
    for (const body of otlpRequests(demoSpans(now - 2 * 24 * 60 * MINUTE, now, now - 30 * MINUTE))) {
      const res = await fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
    }
  }, 120_000);
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('finds the spike, the bytes surge, the new SSN and the new destination, once each', async () => {
    const env = { EGRESSWATCH_CONFIG: join(dir.path, 'egresswatch.yaml') };
    const res = await runCli(dir.path, ['detect', '--from', new Date(now - 60 * MINUTE).toISOString(), '--to', new Date(now + MINUTE).toISOString(), '--json'], env);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const alerts = JSON.parse(res.stdout) as Alert[];
    const firing = alerts.filter((a) => a.status === 'firing');
    const kinds = firing.map((a) => `${a.kind}:${a.vendor}`).sort();
    expect(kinds).toEqual(['bytes_spike:stripe', 'new_destination:example.net', 'pii_new:hubspot', 'pii_violation:hubspot', 'volume_spike:stripe']);
    for (const a of firing) {
      expect(ALERT_KINDS).toContain(a.kind);
      expect(SEVERITIES).toContain(a.severity);
      expect(a.fingerprint).toMatch(/^[0-9a-f]{8,}$/);
      expect(Date.parse(a.startsAt)).toBeGreaterThan(now - 2 * 60 * MINUTE);
      expect(a.summary.length).toBeGreaterThan(10);
      expect(a.runbook_url).toMatch(new RegExp(`/runbooks/${a.kind}$`));
      expect(a.labels).toMatchObject({ kind: a.kind, vendor: a.vendor });
    }
    // The SSN went to hubspot only from the incident on: a causal replay says so.
    const violation = firing.find((a) => a.kind === 'pii_violation')!;
    expect(Date.parse(violation.startsAt)).toBeGreaterThanOrEqual(now - 31 * MINUTE);

    const listed = await runCli(dir.path, ['alerts', '--status', 'firing', '--json'], env);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Alert[]).map((a) => a.fingerprint).sort()).toEqual(firing.map((a) => a.fingerprint).sort());

    // The runbook link of an alert is a served page.
    const page = await fetch(`${ew.url}/runbooks/volume_spike`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<h1[^>]*>.*volume/i);
  });
});
