import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { policyViolations } from '../../../alerts/policy.js';
import { activeSilences, addSilence, expireSilence, listSilences } from '../../../alerts/silence-service.js';
import { policyCommand } from '../../../cli/commands/policy.js';
import { parseCommandArgs } from '../../../cli/command.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Finding } from '../../../common/types.js';
import { listAlerts } from '../../../storage/alert-store.js';
import { migrate } from '../../../storage/migrate.js';
import { openStore, type Store } from '../../../storage/store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { liveSteps } from './live-steps.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-21T08:00:00Z');

function drop(step: number): Finding[] {
  return step >= 1 && step <= 4
    ? [{ kind: 'volume_drop', vendor: 'twilio', service: 'sms', at: T0 + step * MIN, value: 0, expected: 40, score: 0.9, severity: 'warning', summary: 'sms stopped calling twilio' }]
    : [];
}

describe('alerts, silences and the policy gate on the embedded store', () => {
  const dir = tempDir();
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: dir.path });
    await migrate(store);
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  it('stores every state change and resumes a firing alert after a restart without re-firing it', async () => {
    const config = parseConfig({});
    const first = liveSteps(store, config);
    for (let step = 0; step < 4; step++) await first(drop(step), T0 + (step + 1) * MIN, ['twilio']);
    const firing = await listAlerts(store, { status: 'firing' });
    expect(firing.map((a) => [a.kind, a.vendor, a.service, a.severity, a.value, a.expected])).toEqual([['volume_drop', 'twilio', 'sms', 'warning', 0, 40]]);
    expect(firing[0]!.runbook_url).toBe('http://127.0.0.1:4318/runbooks/volume_drop');
    expect(firing[0]!.route).toBeUndefined();

    // "Restart": a new worker, with no step state, starts from the alerts firing in the store.
    const second = liveSteps(store, config);
    const seen: string[] = [];
    for (let step = 4; step < 12; step++) seen.push(...(await second(drop(step), T0 + (step + 1) * MIN, ['twilio'])).transitions.map((t) => t.status));
    expect(seen).toEqual(['resolved']);
    const [latest] = await listAlerts(store, { fingerprint: firing[0]!.fingerprint });
    expect(latest).toMatchObject({ status: 'resolved', startsAt: '2026-11-21T08:01:00.000Z', endsAt: '2026-11-21T08:10:00.000Z' });
    expect(await listAlerts(store, { status: 'firing' })).toEqual([]);
  });

  it('shows a re-fired alert without the previous episode\'s end', async () => {
    const { recordAlerts } = await import('../../../storage/alert-store.js');
    const base = { fingerprint: 'refire0000000001', kind: 'volume_spike', severity: 'warning', vendor: 'stripe', service: 'checkout', summary: 's', runbook_url: 'http://127.0.0.1:4318/runbooks/volume_spike', labels: {}, annotations: {} } as const;
    await recordAlerts(store, [{ ...base, status: 'firing', startsAt: '2026-11-22T10:00:00.000Z', value: 50, expected: 10 }], Date.parse('2026-11-22T10:00:00Z'));
    await recordAlerts(store, [{ ...base, status: 'resolved', startsAt: '2026-11-22T10:00:00.000Z', endsAt: '2026-11-22T10:10:00.000Z', value: 50, expected: 10 }], Date.parse('2026-11-22T10:10:00Z'));
    await recordAlerts(store, [{ ...base, status: 'firing', startsAt: '2026-11-22T11:00:00.000Z' }], Date.parse('2026-11-22T11:00:00Z'));
    const [now] = await listAlerts(store, { fingerprint: base.fingerprint });
    expect(now).toMatchObject({ status: 'firing', startsAt: '2026-11-22T11:00:00.000Z' });
    expect(now!.endsAt).toBeUndefined();
    expect(now!.value).toBeUndefined();
  });

  it('adds, lists and expires silences, and rejects bad matchers with a hint', async () => {
    const s = await addSilence(store, { matchers: ['vendor=stripe', 'kind=~volume_.*'], durationMs: 2 * 3_600_000, comment: 'INC-1', createdBy: 'ana' });
    expect(s).toMatchObject({ state: 'active', matchers: ['vendor=stripe', 'kind=~volume_.*'], createdBy: 'ana', comment: 'INC-1' });
    expect((await activeSilences(store)).map((x) => x.id)).toEqual([s.id]);
    const expired = await expireSilence(store, s.id);
    expect(expired.state).toBe('expired');
    expect(await activeSilences(store)).toEqual([]);
    expect((await listSilences(store)).find((x) => x.id === s.id)?.state).toBe('expired');
    await expect(addSilence(store, { matchers: ['vendor'], durationMs: 1000, comment: '' })).rejects.toThrow(/expected name=value[\s\S]*needs a comment/);
    await expect(expireSilence(store, 'nope')).rejects.toThrow(/no silence with id 'nope'/);
  });

  it('policy gate over the data map: fails on ssn sent to stripe, passes once allowed', async () => {
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    await store.client.insert({
      table: 'egress_spans',
      format: 'JSONEachRow',
      values: [
        { timestamp: now, service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', method: 'POST', route: '/v1/customers', status_code: 200, request_fields: ['email:string', 'tax_id:string'], request_pii: ['email:email', 'tax_id:ssn'], response_fields: [], response_pii: ['phone:phone'], attributes: {} },
      ],
    });
    const strict = parseConfig({ vendors: { stripe: { allow_pii: ['email'] } } });
    const report = await policyViolations(store, Date.now() - 3_600_000, strict);
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => [v.vendor, v.route, v.field, v.pii, v.services])).toEqual([['stripe', '/v1/customers', 'tax_id', 'ssn', ['checkout']]]);
    expect((await policyViolations(store, Date.now() - 3_600_000, parseConfig({ vendors: { stripe: { allow_pii: ['email', 'ssn'] } } }))).ok).toBe(true);
  });
});

describe('egresswatch policy check --spans (offline CI gate)', () => {
  const workDir = tempDir();
  const work = workDir.path;
  afterAll(() => workDir.remove());
  const spans = join(work, 'spans.json');
  writeFileSync(
    spans,
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeSpans: [{ spans: [{ name: 'POST', kind: 3, attributes: [
            { key: 'http.request.method', value: { stringValue: 'POST' } },
            { key: 'server.address', value: { stringValue: 'api.stripe.com' } },
            { key: 'url.template', value: { stringValue: '/v1/customers' } },
            { key: 'egress.request.pii', value: { arrayValue: { values: [{ stringValue: 'customer.tax_id:ssn' }, { stringValue: 'customer.email:email' }] } } },
          ] }] }],
        },
      ],
    }),
  );

  async function check(policy: string, extra: string[] = []): Promise<{ code: number; out: string }> {
    const file = join(work, `policy-${Math.random()}.yaml`);
    writeFileSync(file, policy);
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
    try {
      const code = await policyCommand.run(parseCommandArgs(policyCommand, ['check', '--spans', spans, '--policy', file, ...extra]));
      return { code, out: chunks.join('') };
    } finally {
      spy.mockRestore();
    }
  }

  it('exits 1 listing the ssn sent to stripe, and 0 after the policy allows it', async () => {
    const failing = await check('vendors:\n  stripe:\n    hosts: ["*.stripe.com"]\n    allow_pii: [email]\n');
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('policy check FAILED: 1 PII flow not');
    expect(failing.out).toMatch(/stripe\s+\/v1\/customers\s+customer\.tax_id\s+ssn\s+from checkout/);
    const json = await check('vendors:\n  stripe:\n    allow_pii: [email]\n', ['--json']);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, violations: [{ vendor: 'stripe', route: '/v1/customers', field: 'customer.tax_id', pii: 'ssn', services: ['checkout'] }] });
    const passing = await check('vendors:\n  stripe:\n    allow_pii: [email, ssn]\n');
    expect(passing.code).toBe(0);
    expect(passing.out).toContain('policy check passed');
  });

  it('says what is wrong with a policy that names an unknown class', async () => {
    await expect(check('vendors:\n  stripe:\n    allow_pii: [social_security]\n')).rejects.toThrow(/vendors\.stripe\.allow_pii\[0\]: unknown class 'social_security'/);
  });
});
