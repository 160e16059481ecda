import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendors, type FakeVendors } from '../../../examples/fake-vendors.js';
import { buildSdk, type SdkBuild } from './helpers/build-sdk.js';
import { runNode, startNode, type NodeProcess } from './helpers/run-node.js';

const root = resolve(import.meta.dirname, '../../..');
const cli = join(root, 'dist/cli/main.js');
const fixtures = join(import.meta.dirname, 'fixtures');
const canary = JSON.parse(await readFile(join(fixtures, 'canaries.json'), 'utf8')) as Record<string, string>;
const canaryForms = Object.values(canary).flatMap((v) => [v, v.replace(/[ -]/g, ''), encodeURIComponent(v)]);

interface InventoryField {
  direction: string;
  field: string;
  types: string[];
  pii: string[];
}
interface InventoryVendor {
  vendor: string;
  services: string[];
  routes: Array<{ route: string; fields: InventoryField[] }>;
}

let build: SdkBuild;
let vendors: FakeVendors;
let dataDir: string;
let collector: NodeProcess;
let collectorUrl: string;
const appOutput: string[] = [];

beforeAll(async () => {
  // The collector runs from dist/ as users run it; `npm test` builds dist first.
  if (!existsSync(cli)) await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root]);
  [build, vendors, dataDir] = await Promise.all([buildSdk(), startFakeVendors(), mkdtemp(join(tmpdir(), 'ew-sdk-e2e-'))]);
  collector = startNode([cli, 'start', '--port', '0'], { EGRESSWATCH_DATA_DIR: dataDir });
  const instance = join(dataDir, 'instance.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(instance)) {
    if (Date.now() > deadline || collector.child.exitCode !== null) throw new Error(`collector did not start: ${collector.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  collectorUrl = (JSON.parse(await readFile(instance, 'utf8')) as { url: string }).url;
});

afterAll(async () => {
  if (collector.child.exitCode === null) {
    collector.child.kill('SIGTERM');
    await collector.exited;
  }
  await vendors.close();
  await build.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

async function inventory(): Promise<InventoryVendor[]> {
  const run = await runNode([cli, 'vendors', '--json'], { EGRESSWATCH_DATA_DIR: dataDir });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as InventoryVendor[];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

describe('SDK → running collector', () => {
  it('lands the right fields and PII classes in the inventory, and no canary value anywhere', async () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      EGRESSWATCH_VENDORS: `payments=${vendors.payments.hostPort},messaging=${vendors.messaging.hostPort}`,
      PAYMENTS_URL: vendors.payments.url,
      MESSAGING_URL: vendors.messaging.url,
    };
    const fetchRun = await runNode(['--import', build.register, join(fixtures, 'fetch-app.mjs')], { ...env, OTEL_SERVICE_NAME: 'fetch-app' });
    const httpRun = await runNode(['--import', build.register, join(fixtures, 'http-app.cjs')], { ...env, OTEL_SERVICE_NAME: 'http-app' });
    expect(fetchRun.code, fetchRun.stderr).toBe(0);
    expect(httpRun.code, httpRun.stderr).toBe(0);
    appOutput.push(fetchRun.stdout, fetchRun.stderr, httpRun.stdout, httpRun.stderr);

    // Ingest is acknowledged after the insert; the data map may trail it by a moment.
    let found: InventoryVendor[] = [];
    const deadline = Date.now() + 30_000;
    const fieldsOf = (vendor: string, route: string) =>
      found.find((v) => v.vendor === vendor)?.routes.find((r) => r.route === route)?.fields ?? [];
    while (Date.now() < deadline) {
      found = await inventory();
      if (fieldsOf('payments', '/v1/customers/{id}/charges').length > 0 && fieldsOf('messaging', '/2010-04-01/Accounts/{id}/Messages.json').length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const payments = fieldsOf('payments', '/v1/customers/{id}/charges');
    const pii = (fields: InventoryField[], direction: string) =>
      Object.fromEntries(fields.filter((f) => f.direction === direction && f.pii.length > 0).map((f) => [f.field, [...f.pii].sort()]));
    expect(pii(payments, 'request')).toMatchObject({
      receipt_email: ['email'],
      'source.number': ['card'],
      'customer.ssn': ['ssn'],
    });
    expect(pii(payments, 'request')['session']).toContain('jwt');
    expect(pii(payments, 'request')['customer.phone']).toEqual(['phone']);
    expect(pii(payments, 'response')).toMatchObject({ 'billing_details.email': ['email'] });
    expect(payments.find((f) => f.field === 'items[].qty')?.types).toEqual(['number']);
    expect(found.find((v) => v.vendor === 'payments')?.services.sort()).toEqual(['fetch-app', 'http-app']);
    expect(pii(fieldsOf('messaging', '/2010-04-01/Accounts/{id}/Messages.json'), 'request')).toMatchObject({ To: ['phone'] });

    collector.child.kill('SIGTERM');
    const stopped = await collector.exited;
    const texts = [stopped.stdout, stopped.stderr, ...appOutput];
    for (const file of await filesUnder(dataDir)) {
      if ((await stat(file)).size < 50 * 1024 * 1024) texts.push((await readFile(file)).toString('latin1'));
    }
    // Positive control: the scan does see strings the store keeps (field paths are stored as is).
    expect(texts.some((t) => t.includes('billing_details.email'))).toBe(true);
    for (const text of texts) for (const value of canaryForms) expect(text.includes(value)).toBe(false);
  });
});
