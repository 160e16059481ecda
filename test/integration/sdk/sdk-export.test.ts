import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendors, type FakeVendors } from '../../../examples/fake-vendors.js';
import { buildSdk, type SdkBuild } from './helpers/build-sdk.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver.js';
import { runNode, startNode, type NodeProcess } from './helpers/run-node.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const canary = JSON.parse(readFileSync(join(fixtures, 'canaries.json'), 'utf8')) as Record<string, string>;

/** Every form a canary could leak in: as sent, without separators, URL-encoded. */
function canaryForms(): string[] {
  return Object.values(canary).flatMap((v) => [v, v.replace(/[ -]/g, ''), encodeURIComponent(v)]);
}

function expectNoCanary(where: string, text: string): void {
  for (const value of canaryForms()) expect(text.includes(value), `${where} contains a canary value`).toBe(false);
}

let build: SdkBuild;
let vendors: FakeVendors;
let receiver: OtlpReceiver;

beforeAll(async () => {
  [build, vendors] = await Promise.all([buildSdk(), startFakeVendors()]);
});
// Apps a test started and did not see exit (a failed expectation first) are killed after it.
const started: NodeProcess[] = [];
function start(args: string[], env: Record<string, string>): NodeProcess {
  const app = startNode(args, env);
  started.push(app);
  return app;
}
afterEach(async () => {
  for (const app of started.splice(0)) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) continue;
    app.child.kill('SIGKILL');
    await app.exited;
  }
});
afterAll(async () => {
  await vendors.close();
  await build.cleanup();
});

async function withReceiver<T>(fn: (r: OtlpReceiver) => Promise<T>): Promise<T> {
  receiver = await startOtlpReceiver();
  try {
    return await fn(receiver);
  } finally {
    await receiver.close();
  }
}

function zeroCodeEnv(r: OtlpReceiver, service: string): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: r.url,
    // The stand-in receiver reads JSON; the protobuf default goes through the real collector test.
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    EGRESSWATCH_VENDORS: `payments=${vendors.payments.hostPort},messaging=${vendors.messaging.hostPort}`,
    PAYMENTS_URL: vendors.payments.url,
    MESSAGING_URL: vendors.messaging.url,
  };
}

const clientSpans = (spans: ReceivedSpan[]): ReceivedSpan[] => spans.filter((s) => s.kind === 3);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

describe('zero-code register (node --import)', () => {
  it('exports fetch calls from an ESM app with shapes, PII classes, vendor and route, and no values', async () => {
    await withReceiver(async (r) => {
      const run = await runNode(['--import', build.register, join(fixtures, 'fetch-app.mjs')], zeroCodeEnv(r, 'fetch-app'));
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ status: 200, paid: true });
      const [span] = clientSpans(await r.waitForSpans(1));
      expect(span?.service).toBe('fetch-app');
      const a = span?.attributes ?? {};
      expect(a['egress.vendor']).toBe('payments');
      expect(a['http.request.method']).toBe('POST');
      expect(a['url.template']).toBe('/v1/customers/{id}/charges');
      expect(a['url.full']).toBe(`${vendors.payments.url}/v1/customers/{id}/charges?api_key=REDACTED`);
      expect(a['http.response.status_code']).toBe(200);
      expect(a['http.request.body.size']).toBe(vendors.payments.received.at(-1)?.body.length);
      expect(strings(a['egress.request.fields'])).toEqual(
        expect.arrayContaining(['receipt_email:string', 'source.number:string', 'customer.ssn:string', 'items[].qty:number', 'session:string']),
      );
      expect(strings(a['egress.request.pii'])).toEqual(
        expect.arrayContaining([
          'receipt_email:email',
          'source.number:card',
          'customer.ssn:ssn',
          'customer.phone:phone',
          'customer.password:password',
          'session:jwt',
        ]),
      );
      expect(strings(a['egress.response.pii'])).toContain('billing_details.email:email');
      expect(a['egress.request.shape_hash']).toMatch(/^[0-9a-f]{16}$/);
      expectNoCanary('exported OTLP', Buffer.concat(r.raw).toString('utf8'));
      expectNoCanary('app output', run.stdout + run.stderr);
    });
  });

  it('exports http.request calls from a CommonJS app, JSON written in chunks, a form body and a gzipped answer', async () => {
    await withReceiver(async (r) => {
      const run = await runNode(['--import', build.register, join(fixtures, 'http-app.cjs')], zeroCodeEnv(r, 'http-app'));
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([expect.objectContaining({ status: 200 }), expect.objectContaining({ status: 201, encoding: 'gzip' })]);
      const spans = clientSpans(await r.waitForSpans(2));
      const byVendor = Object.fromEntries(spans.map((s) => [String(s.attributes['egress.vendor']), s.attributes]));
      expect(Object.keys(byVendor).sort()).toEqual(['messaging', 'payments']);
      expect(byVendor['payments']?.['url.template']).toBe('/v1/customers/{id}/charges');
      expect(strings(byVendor['payments']?.['egress.request.pii']).sort()).toEqual(['customer.ssn:ssn', 'receipt_email:email', 'source.number:card']);
      expect(byVendor['messaging']?.['url.template']).toBe('/2010-04-01/Accounts/{id}/Messages.json');
      expect(strings(byVendor['messaging']?.['egress.request.fields'])).toEqual(expect.arrayContaining(['To:string', 'Auth.token:string']));
      expect(strings(byVendor['messaging']?.['egress.request.pii']).sort()).toEqual(['Auth.token:bearer_token', 'Auth.token:jwt', 'From:phone', 'To:phone']);
      // The messaging answer came gzipped: its shape is read from the decompressed bytes.
      expect(strings(byVendor['messaging']?.['egress.response.fields'])).toEqual(expect.arrayContaining(['sid:string', 'to:string']));
      expect(strings(byVendor['messaging']?.['egress.response.pii'])).toEqual(['to:phone']);
      expectNoCanary('exported OTLP', Buffer.concat(r.raw).toString('utf8'));
      expectNoCanary('app output', run.stdout + run.stderr);
    });
  });

  it('never instruments its own exports to the collector', async () => {
    await withReceiver(async (r) => {
      const run = await runNode(['--import', build.register, join(fixtures, 'fetch-app.mjs')], zeroCodeEnv(r, 'fetch-app'));
      expect(run.code).toBe(0);
      // No wait for "nothing more": the app has exited, and it exits only once its exit flush's
      // requests were answered (exit-flush.ts, beforeExit), which the receiver does after recording.
      await r.waitForSpans(1);
      expect(r.spans.map((s) => s.attributes['server.port'])).not.toContain(r.port);
    });
  });

  it('flushes on SIGTERM and then dies of the signal when the app has no handler', async () => {
    await withReceiver(async (r) => {
      const app = start(['--import', build.register, join(fixtures, 'wait-for-signal.mjs')], zeroCodeEnv(r, 'idle-app'));
      await app.waitForLine(/called/);
      app.child.kill('SIGTERM');
      const run = await app.exited;
      expect(run.signal).toBe('SIGTERM');
      expect(clientSpans(r.spans).map((s) => s.attributes['url.template'])).toEqual(['/v1/ping']);
    });
  });
});

describe('programmatic startEgressWatch (examples/checkout-service)', () => {
  it('reports both vendors of the example service', async () => {
    await withReceiver(async (r) => {
      const service = start([build.js('examples/checkout-service.js')], {
        EGRESSWATCH_ENDPOINT: r.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        PAYMENTS_URL: vendors.payments.url,
        MESSAGING_URL: vendors.messaging.url,
      });
      const line = await service.waitForLine(/^listening /);
      const res = await fetch(`${line.slice('listening '.length)}/checkout`, {
        method: 'POST',
        body: JSON.stringify({ email: canary['email'], card: canary['card'], phone: canary['phone'], amount: 1200 }),
      });
      expect(await res.json()).toEqual({ ok: true, receipt: 201 });
      service.child.kill('SIGTERM');
      const run = await service.exited;
      expect(run.code).toBe(0);
      const spans = clientSpans(r.spans);
      const vendorsSeen = spans.map((s) => s.attributes['egress.vendor']).sort();
      expect(vendorsSeen).toEqual(['messaging-example', 'payments-example']);
      const payments = spans.find((s) => s.attributes['egress.vendor'] === 'payments-example')?.attributes ?? {};
      expect(strings(payments['egress.request.pii']).sort()).toEqual(['receipt_email:email', 'source.number:card']);
      expect(spans.every((s) => s.service === 'checkout')).toBe(true);
      expectNoCanary('exported OTLP', Buffer.concat(r.raw).toString('utf8'));
      expectNoCanary('service output', run.stdout + run.stderr);
    });
  });
});
