import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendors, type FakeVendors } from '../../../examples/fake-vendors.js';
import { runCli, startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { dependencyClosure, installedPackages, packageBytes } from './helpers/installed-tree.js';

// What a service gets from `npm install @egresswatch/sdk`: the packed tarball installed next to
// nothing but @opentelemetry/api and the OpenTelemetry SDK, an instrumented call to a loopback
// vendor, and the span in a running `egresswatch start`. The server's engine, queue and HTTP
// framework must not come along, and the service must end up with one copy of the OpenTelemetry
// API (a second copy loses the context).

const root = resolve(import.meta.dirname, '../../..');
const MB = 1024 * 1024;
const SERVER_ONLY = ['egresswatch', 'chdb', 'bullmq', 'fastify', '@clickhouse/client', 'ioredis', 'pino', 'prom-client'];
/** The version of an OpenTelemetry package the repo has installed: already in the npm cache. */
const versionOf = (pkg: string): string => (JSON.parse(readFileSync(join(root, 'node_modules/@opentelemetry', pkg, 'package.json'), 'utf8')) as { version: string }).version;

/** Child npm runs as a user's would: not steered by the npm_* variables of an `npm test` around us. */
function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return promisify(execFile)('npm', args, { cwd, env, maxBuffer: 64 * MB });
}

/**
 * `npm pack` on a copy of packages/sdk laid out as in the repo (its tsconfig extends the root
 * one), so its prepack build never rewrites packages/sdk/dist under tests running beside it.
 */
async function packSdk(work: string): Promise<{ tarball: string; size: number; unpackedSize: number; files: string[] }> {
  const repo = join(work, 'repo');
  await cp(join(root, 'packages/sdk'), join(repo, 'packages/sdk'), {
    recursive: true,
    filter: (src) => !/(^|\/)(dist|node_modules)(\/|$)/.test(relative(join(root, 'packages/sdk'), src)),
  });
  await cp(join(root, 'tsconfig.json'), join(repo, 'tsconfig.json'));
  await symlink(join(root, 'node_modules'), join(repo, 'node_modules'));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', work], join(repo, 'packages/sdk'));
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> }>;
  return { tarball: join(work, packed!.filename), size: packed!.size, unpackedSize: packed!.unpackedSize, files: packed!.files.map((f) => f.path) };
}

const PROGRAMMATIC_APP = `
import { startEgressWatch } from '@egresswatch/sdk';
const vendorUrl = process.env.VENDOR_URL;
const egress = startEgressWatch({
  serviceName: 'packed-service',
  endpoint: process.env.COLLECTOR_URL,
  vendors: [{ vendor: 'packed-vendor', hosts: [new URL(vendorUrl).host] }],
});
const res = await fetch(vendorUrl + '/v1/customers/cus_NffrFeUfNV2Hib/charges', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ amount: 1200, receipt_email: 'jenny.rosen@example.com' }),
});
await res.json();
console.log('status ' + res.status);
await egress.shutdown();
`;

const ZERO_CODE_APP = `
const res = await fetch(process.env.VENDOR_URL + '/v1/customers/cus_NffrFeUfNV2Hib/charges', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ amount: 1200, receipt_email: 'jenny.rosen@example.com' }),
});
await res.json();
console.log('status ' + res.status);
`;

interface VendorOut {
  vendor: string;
  services: string[];
  routes: Array<{ route: string; fields: Array<{ direction: string; field: string; pii: string[] }> }>;
}

const work = tempDir('ew-sdk-package-');
const data = tempDir('ew-sdk-package-data-');
const service = join(work.path, 'service');
let packed: Awaited<ReturnType<typeof packSdk>>;
let vendors: FakeVendors;
let ew: RunningInstance;

beforeAll(async () => {
  // The collector runs from dist/ as users run it; `npm test` builds first.
  if (!existsSync(join(root, 'dist/cli/main.js'))) await npm(['run', 'build'], root);
  packed = await packSdk(work.path);
  await mkdir(service);
  await writeFile(join(service, 'package.json'), JSON.stringify({ name: 'packed-service', private: true, type: 'module' }));
  await writeFile(join(service, 'app.mjs'), PROGRAMMATIC_APP);
  await writeFile(join(service, 'zero-code.mjs'), ZERO_CODE_APP);
  // The npm cache `npm ci` filled for the repo serves almost every package.
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', packed.tarball, `@opentelemetry/api@${versionOf('api')}`, `@opentelemetry/sdk-node@${versionOf('sdk-node')}`], service);
  [vendors, ew] = await Promise.all([startFakeVendors(), startInstance(data.path)]);
}, 300_000);

afterAll(async () => {
  await ew?.stop();
  await vendors?.close();
  work.remove();
  data.remove();
  // Stopping the instance flushes and closes the embedded engine: over a minute at load 30.
}, 180_000);

async function node(args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: service, env: { ...process.env, NODE_ENV: 'production', ...env } });
  return stdout;
}

describe('@egresswatch/sdk from its npm tarball', () => {
  it('ships its build and nothing of the server', () => {
    expect(packed.files).toEqual(expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/register.js', 'dist/shared/route-template.js']));
    expect(packed.files.filter((f) => !/^(dist|src)\/|^package\.json$|^README\.md$/.test(f))).toEqual([]);
  });

  it('installs without the server engine, queue or HTTP framework, and with one OpenTelemetry API', () => {
    const installed = installedPackages(join(service, 'node_modules'));
    expect(installed.map((p) => p.name).filter((name) => SERVER_ONLY.includes(name))).toEqual([]);
    expect(installed.filter((p) => p.name === '@opentelemetry/api').map((p) => relative(service, p.dir))).toEqual(['node_modules/@opentelemetry/api']);

    const otelSdk = dependencyClosure(service, ['@opentelemetry/api', '@opentelemetry/sdk-node']);
    const ours = [...dependencyClosure(service, ['@egresswatch/sdk'])].filter((dir) => !otelSdk.has(dir));
    const name = (dir: string): string => installed.find((p) => p.dir === dir)?.name ?? dir;
    const bytes = (dirs: string[]): number => dirs.reduce((sum, dir) => sum + packageBytes(dir), 0);
    const notOtel = ours.filter((dir) => !name(dir).startsWith('@opentelemetry/'));
    const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
    const listed = (dirs: string[]): string => dirs.map((dir) => `${name(dir)} ${mb(packageBytes(dir))}`).join(', ');
    console.log(
      [
        `@egresswatch/sdk tarball: ${(packed.size / 1024).toFixed(0)} kB packed, ${mb(packed.unpackedSize)} unpacked`,
        `with its dependencies, OpenTelemetry packages excluded (target < 15 MB): ${mb(bytes(notOtel))} (${listed(notOtel)})`,
        `with its dependencies beyond the OpenTelemetry SDK (sdk-node + api and what they pull): ${mb(bytes(ours))} in ${ours.length} package folders`,
        `the service's whole node_modules: ${mb(bytes(installed.map((p) => p.dir)))}`,
      ].join('\n'),
    );
    // Printed, not held to 15 MB: this bound only catches a heavy dependency coming along.
    expect(bytes(notOtel)).toBeLessThan(30 * MB);
  });

  it('sends the spans of a programmatic start and of --import @egresswatch/sdk/register to a running collector', async () => {
    const vendor = vendors.payments;
    expect(await node(['app.mjs'], { COLLECTOR_URL: ew.url, VENDOR_URL: vendor.url })).toContain('status 200');
    const zeroCode = await node(['--import', '@egresswatch/sdk/register', 'zero-code.mjs'], {
      OTEL_SERVICE_NAME: 'packed-zero-code',
      OTEL_EXPORTER_OTLP_ENDPOINT: ew.url,
      EGRESSWATCH_VENDORS: `packed-vendor=${vendor.hostPort}`,
      VENDOR_URL: vendor.url,
    });
    expect(zeroCode).toContain('status 200');

    let found: VendorOut | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const run = await runCli(data.path, ['vendors', '--json']);
      expect(run.code, run.stderr).toBe(0);
      found = (JSON.parse(run.stdout) as VendorOut[]).find((v) => v.vendor === 'packed-vendor');
      if (found?.services.length === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(found?.services.sort()).toEqual(['packed-service', 'packed-zero-code']);
    const route = found?.routes.find((r) => r.route === '/v1/customers/{id}/charges');
    expect(route?.fields.find((f) => f.direction === 'request' && f.field === 'receipt_email')?.pii).toEqual(['email']);
  });
});
