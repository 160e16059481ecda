import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdk, type SdkBuild } from './helpers/build-sdk.js';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.js';
import { runNode } from './helpers/run-node.js';

const app = join(import.meta.dirname, 'fixtures', 'stream-app.mjs');
const BIG_RESPONSE = 64 * 1024 * 1024;

let build: SdkBuild;
let receiver: OtlpReceiver;
let target: Server;
let targetUrl: string;
/** Whether the last /big response was written to the end (it cannot be unless someone reads it). */
let bigFinished = false;

beforeAll(async () => {
  [build, receiver] = await Promise.all([buildSdk(), startOtlpReceiver()]);
  target = createServer((req, res) => {
    if (req.url === '/big-state') {
      res.end(JSON.stringify({ finished: bigFinished }));
      return;
    }
    if (req.url === '/big') {
      bigFinished = false;
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < BIG_RESPONSE) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end(() => (bigFinished = true));
      };
      pump();
      return;
    }
    const hash = createHash('sha256');
    let size = 0;
    req.on('data', (d: Buffer) => {
      hash.update(d);
      size += d.length;
    });
    req.on('end', () => res.end(`${size}:${hash.digest('hex')}`));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});

afterAll(async () => {
  target.closeAllConnections();
  await Promise.all([new Promise((r) => target.close(r)), receiver.close(), build.cleanup()]);
});

/** The scenario's output without the SDK and with it (zero-code register). */
async function both(scenario: string): Promise<{ plain: unknown; instrumented: unknown }> {
  const env = { TARGET_URL: targetUrl, OTEL_SERVICE_NAME: 'stream-app', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
  const plain = await runNode([app, scenario], env);
  const instrumented = await runNode(['--import', build.register, app, scenario], env);
  expect(plain.code, plain.stderr).toBe(0);
  expect(instrumented.code, instrumented.stderr).toBe(0);
  return { plain: JSON.parse(plain.stdout), instrumented: JSON.parse(instrumented.stdout) };
}

describe('the application sees the same behaviour with the SDK', () => {
  it('streams a 32 MiB upload through pipeline with backpressure and identical bytes', async () => {
    const { plain, instrumented } = await both('upload');
    expect(instrumented).toEqual(plain);
    expect(plain).toMatchObject({ status: 200, backpressured: true, flowingBefore: null });
    const span = receiver.spans.find((s) => s.attributes['url.template'] === '/echo-hash');
    expect(span?.attributes['http.request.body.size']).toBe(32 * 1024 * 1024);
    expect(span?.attributes['egress.request.fields']).toBeUndefined();
  });

  it('does not read a response the app never reads (node:http)', async () => {
    const { plain, instrumented } = await both('unread-http');
    expect(instrumented).toEqual(plain);
    expect(plain).toMatchObject({ status: 200, flowing: null, serverFinished: false });
  });

  it('does not read a response the app never reads (fetch)', async () => {
    const { plain, instrumented } = await both('unread-fetch');
    expect(instrumented).toEqual(plain);
    expect(plain).toMatchObject({ status: 200, bodyUsed: false, serverFinished: false });
  });

  it('passes connection errors through unchanged', async () => {
    const { plain, instrumented } = await both('refused');
    expect(instrumented).toEqual(plain);
    expect(plain).toEqual({ http: 'ECONNREFUSED', fetch: 'TypeError:ECONNREFUSED' });
  });

  it('handles a non-JSON body, a truncated JSON body and a 10 MB body within bounds', async () => {
    receiver.spans.length = 0;
    const { plain, instrumented } = await both('bodies');
    expect(instrumented).toEqual(plain);
    const spans = await receiver.waitForSpans(3);
    // Spans are told apart by body size: the query (and so the case name) is redacted.
    const sent = plain as Array<{ name: string; sent: number }>;
    const byCase = (name: string) => spans.find((s) => s.attributes['http.request.body.size'] === sent.find((c) => c.name === name)?.sent)?.attributes;

    const text = byCase('text');
    expect(text?.['egress.request.fields']).toBeUndefined();

    const truncated = byCase('truncated');
    expect(truncated?.['egress.request.fields']).toEqual(['email:string', 'items:array', 'items[]:object', 'items[].qty:number']);
    expect(truncated?.['egress.request.pii']).toEqual(['email:email']);
    expect(truncated?.['egress.request.truncated']).toBe(true);

    const huge = byCase('huge');
    expect(Number(huge?.['http.request.body.size'])).toBeGreaterThan(10_000_000);
    expect(huge?.['egress.request.fields']).toEqual(['customer:object', 'customer.email:string', 'rows:array', 'rows[]:object', 'rows[].id:number', 'rows[].note:string']);
    expect(huge?.['egress.request.truncated']).toBe(true);
    expect(Buffer.concat(receiver.raw).toString('utf8')).not.toContain('canary.alice@example.com');
  });
});
