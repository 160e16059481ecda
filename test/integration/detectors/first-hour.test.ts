import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendors, type FakeVendors } from '../../../examples/fake-vendors.js';
import { startCollectorRole, type CollectorRole } from '../../../cli/collector-role.js';
import { startWorkerRole, type WorkerRole } from '../../../app/worker-role.js';
import { openConfiguredStore } from '../../../cli/store-access.js';
import { parseConfig } from '../../../common/config/index.js';
import { openQueueRuntime, type QueueRuntime } from '../../../queue/backend.js';
import { selectRequestPiiFlows } from '../../../storage/alert-policy-store.js';
import { listAlerts } from '../../../storage/alert-store.js';
import type { Store } from '../../../storage/store.js';
import { runCli } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { buildSdk, type SdkBuild } from '../sdk/helpers/build-sdk.js';
import { runNode } from '../sdk/helpers/run-node.js';

const MINUTE = 60_000;
const app = join(import.meta.dirname, 'fixtures', 'payout-app.mjs');

/**
 * A fresh install, as `egresswatch start` wires it (collector and worker roles on a new embedded
 * store, Redis from PATH), and services under the real SDK sending SSNs and card numbers to two
 * vendors: `acme-pay`, never seen and in no config, and `trusted-pay`, whose allow_pii lists both.
 */
describe('the first hour: sensitive data to a never-seen vendor', () => {
  const dir = tempDir('ew-first-hour-');
  const policyFile = join(dir.path, 'egresswatch.yaml');
  let build: SdkBuild;
  let acme: FakeVendors;
  let trusted: FakeVendors;
  let store: Store | undefined;
  let collector: CollectorRole | undefined;
  let queue: QueueRuntime | undefined;
  let worker: WorkerRole | undefined;
  let sentAt = 0;

  /** The live roles stop as they would before a CI job reads the store (one process owns it). */
  async function stopRoles(): Promise<void> {
    await worker?.close();
    await queue?.close();
    await collector?.close();
    await store?.close();
    worker = undefined;
    queue = undefined;
    collector = undefined;
    store = undefined;
  }

  beforeAll(async () => {
    [build, acme, trusted] = await Promise.all([buildSdk(), startFakeVendors(), startFakeVendors()]);
    // The same file is the live config and the CI gate's policy.
    writeFileSync(
      policyFile,
      [`data_dir: ${JSON.stringify(dir.path)}`, 'vendors:', '  trusted-pay:', `    hosts: [${JSON.stringify(trusted.payments.hostPort)}]`, '    allow_pii: [ssn, card]', ''].join('\n'),
    );
    const config = parseConfig({
      data_dir: dir.path,
      vendors: { 'trusted-pay': { hosts: [trusted.payments.hostPort], allow_pii: ['ssn', 'card'] } },
      alerts: { group_wait_seconds: 0 },
    });
    store = await openConfiguredStore(config);
    collector = await startCollectorRole(config, store, { host: '127.0.0.1', port: 0 });
    queue = await openQueueRuntime({ dataDir: dir.path, embedded: true });
    worker = await startWorkerRole(config, store, queue, { scheduler: false });

    sentAt = Date.now();
    const sdkEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, EGRESSWATCH_VENDORS: `acme-pay=${acme.payments.hostPort}` };
    const runs = await Promise.all([
      runNode(['--import', build.register, app], { ...sdkEnv, OTEL_SERVICE_NAME: 'payroll', VENDOR_URL: acme.payments.url }),
      runNode(['--import', build.register, app], { ...sdkEnv, OTEL_SERVICE_NAME: 'ledger', VENDOR_URL: trusted.payments.url }),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(acme.payments.received).toHaveLength(1);
    expect(trusted.payments.received).toHaveLength(1);
    // The SDK's export is acknowledged after the insert; wait until the data map shows both flows.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const flows = await selectRequestPiiFlows(store, sentAt - MINUTE);
      if (new Set(flows.map((f) => `${f.vendor}:${f.pii}`)).size >= 4) break;
      if (Date.now() > deadline) throw new Error(`the data map did not show both vendors: ${JSON.stringify(flows)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 180_000);

  afterAll(async () => {
    await stopRoles();
    await Promise.all([acme?.close(), trusted?.close(), build?.cleanup()]);
    dir.remove();
  });

  it('fires a critical pii_violation per class within two detection steps, with new_destination beside it and no pii_new', async () => {
    // The two steps that cover the minute the calls were made (and the next, should they have
    // crossed a minute boundary); a step evaluates the minute that closed `lag_seconds` before it.
    const firstStep = Math.floor(sentAt / MINUTE) * MINUTE + MINUTE + 30_000;
    for (const step of [firstStep, firstStep + MINUTE]) await worker!.tick(step);

    const firing = await listAlerts(store!, { status: 'firing' });
    const seen = firing.map((a) => [a.kind, a.vendor, a.service, a.route ?? '', a.field ?? '', a.severity].join(' ')).sort();
    expect(seen).toEqual([
      'new_destination acme-pay payroll   warning',
      'pii_violation acme-pay payroll /v1/customers/{id}/charges customer.ssn critical',
      'pii_violation acme-pay payroll /v1/customers/{id}/charges source.number critical',
    ]);
    const ssn = firing.find((a) => a.kind === 'pii_violation' && a.field === 'customer.ssn')!;
    expect(ssn.summary).toMatch(/acme-pay .* receives ssn data .*acme-pay has no policy/);
    expect(firing.find((a) => a.kind === 'new_destination')!.summary).toMatch(/payroll calls acme-pay .* carry card, ssn/);
    // No value of the request in any alert.
    expect(JSON.stringify(firing)).not.toMatch(/219-09-9999|4539/);
  });

  it('fails `policy check` over the same store naming vendor, route, field and class; the allowed vendor passes', async () => {
    await stopRoles();
    const text = await runCli(dir.path, ['policy', 'check', '--policy', policyFile]);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/acme-pay\s+\/v1\/customers\/\{id\}\/charges\s+customer\.ssn\s+ssn\s+from payroll/);
    expect(text.stdout).toMatch(/acme-pay\s+\/v1\/customers\/\{id\}\/charges\s+source\.number\s+card\s+from payroll/);
    expect(text.stdout).not.toContain('trusted-pay');

    const json = await runCli(dir.path, ['policy', 'check', '--policy', policyFile, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { violations: Array<{ vendor: string; route: string; field: string; pii: string; severity: string }> };
    expect(report.violations.map((v) => [v.vendor, v.route, v.field, v.pii, v.severity])).toEqual([
      ['acme-pay', '/v1/customers/{id}/charges', 'customer.ssn', 'ssn', 'critical'],
      ['acme-pay', '/v1/customers/{id}/charges', 'source.number', 'card', 'critical'],
    ]);

    // Once acme-pay may receive them too, the gate passes: trusted-pay was never in the way.
    writeFileSync(policyFile, `${readFileSync(policyFile, 'utf8')}  acme-pay:\n    allow_pii: [ssn, card]\n`);
    const passing = await runCli(dir.path, ['policy', 'check', '--policy', policyFile]);
    expect(passing.code, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout).toContain('policy check passed');
  });
});
