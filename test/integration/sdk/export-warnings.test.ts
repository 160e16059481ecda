import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendors, type FakeVendors } from '../../../examples/fake-vendors.js';
import { watchExports, type ExportWatchOptions } from '../../../packages/sdk/src/export-watch.js';
import { createEgressComponents } from '../../../packages/sdk/src/instrumentations.js';
import { eventually } from '../../helpers/eventually.js';
import { buildSdk, type SdkBuild } from './helpers/build-sdk.js';
import { runNode } from './helpers/run-node.js';

/** A loopback stand-in for a collector with ingest tokens on: answers each export with `status`. */
interface TokenCollector {
  url: string;
  status: number;
  requests: number;
  close(): Promise<void>;
}

async function startTokenCollector(status: number): Promise<TokenCollector> {
  const server: Server = createServer((req, res) => {
    req.resume().on('end', () => {
      collector.requests += 1;
      // The collector's 401 sentence (collector/server.ts).
      res.writeHead(collector.status, { 'content-type': 'application/json' }).end('{"message":"missing or unknown ingest token: send Authorization: Bearer <token>"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const collector: TokenCollector = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    status,
    requests: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return collector;
}

interface Warned {
  code: string | undefined;
  message: string;
}

const warnings: Warned[] = [];
const onWarning = (w: Error & { code?: string }): void => {
  if (w.name === 'EgressWatchWarning') warnings.push({ code: w.code, message: w.message });
};
beforeAll(() => void process.on('warning', onWarning));
afterAll(() => void process.off('warning', onWarning));
afterEach(() => void warnings.splice(0));

/** A real proto exporter behind the watcher and a BatchSpanProcessor, as startEgressWatch wires them. */
function tracer(url: string, watch: Partial<ExportWatchOptions> = {}, timeoutMillis?: number) {
  const exporter = watchExports(new OTLPTraceExporter({ url, ...(timeoutMillis ? { timeoutMillis } : {}) }), { url, sendsToken: false, ...watch });
  const processor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const t = provider.getTracer('export-warnings');
  return {
    /** Ends one span and exports it; resolves when the export's result is in (a failed export rejects the flush). */
    async exportOne(): Promise<void> {
      t.startSpan('POST').end();
      await processor.forceFlush().catch(() => undefined);
    },
    shutdown: () => provider.shutdown(),
  };
}

describe('refused and failed exports are said, once', () => {
  it('warns on the first 401, not on the next, and again after recovery only once 5 minutes have passed', async () => {
    const collector = await startTokenCollector(401);
    let clock = 1_000_000;
    const t = tracer(collector.url, { now: () => clock });
    try {
      await t.exportOne();
      await t.exportOne();
      await eventually(() => expect(warnings).toHaveLength(1));
      expect(warnings[0]?.code).toBe('EW_EXPORT_REFUSED');
      expect(warnings[0]?.message).toContain(`collector at ${collector.url} refused spans with HTTP 401 (no ingest token was sent)`);
      expect(warnings[0]?.message).toContain('OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>');
      expect(warnings[0]?.message).toContain('headers option');

      collector.status = 200;
      await t.exportOne();
      collector.status = 403;
      clock += 60_000;
      await t.exportOne();
      clock += 5 * 60_000;
      await t.exportOne();
      await t.exportOne();
      expect(collector.requests).toBe(6);
      await eventually(() => expect(warnings).toHaveLength(2));
      expect(warnings[1]?.message).toContain('HTTP 403');
      // Nothing more is coming: each export's result was in before the count above, and a
      // warning is emitted on the next tick; one more round trip covers that tick.
      await t.exportOne();
      expect(warnings).toHaveLength(2);
    } finally {
      await t.shutdown();
      await collector.close();
    }
  });

  it('says a token was sent but not accepted when one was', async () => {
    const collector = await startTokenCollector(401);
    const t = tracer(collector.url, { sendsToken: true });
    try {
      await t.exportOne();
      await eventually(() => expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('the ingest token sent was not accepted')]));
    } finally {
      await t.shutdown();
      await collector.close();
    }
  });

  it('warns once when the collector refuses connections', async () => {
    const closed = await startTokenCollector(200);
    await closed.close();
    // A short export timeout so the exporter's retries give up within the test.
    const t = tracer(closed.url, {}, 300);
    try {
      await t.exportOne();
      await t.exportOne();
      await eventually(() => expect(warnings).toHaveLength(1));
      expect(warnings[0]?.code).toBe('EW_COLLECTOR_UNREACHABLE');
      expect(warnings[0]?.message).toContain(`cannot reach the collector at ${closed.url} (ECONNREFUSED)`);
      await t.exportOne();
      expect(warnings).toHaveLength(1);
    } finally {
      await t.shutdown();
    }
  });
});

describe('a service that runs its own NodeSDK (createEgressComponents)', () => {
  /** The exporter a user builds, wrapped as the README's createEgressComponents example does. */
  async function exportThrough(collectorUrl: string, headers?: Record<string, string>): Promise<void> {
    const egress = createEgressComponents({ collectorUrl });
    const processor = new BatchSpanProcessor(egress.watchExporter(new OTLPTraceExporter({ url: collectorUrl, headers }), { headers }));
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    provider.getTracer('own-sdk').startSpan('POST').end();
    await processor.forceFlush().catch(() => undefined);
    await provider.shutdown();
  }

  it('hears about refused exports through watchExporter, with or without a token', async () => {
    const collector = await startTokenCollector(403);
    try {
      await exportThrough(collector.url);
      await eventually(() => expect(warnings).toHaveLength(1));
      expect(warnings[0]?.code).toBe('EW_EXPORT_REFUSED');
      expect(warnings[0]?.message).toContain(`collector at ${collector.url} refused spans with HTTP 403 (no ingest token was sent)`);
      await exportThrough(collector.url, { Authorization: 'Bearer wrong' });
      await eventually(() => expect(warnings).toHaveLength(2));
      expect(warnings[1]?.message).toContain('the ingest token sent was not accepted');
    } finally {
      await collector.close();
    }
  });
});

describe('zero-code register against a collector that wants a token', () => {
  let build: SdkBuild;
  let vendors: FakeVendors;
  beforeAll(async () => {
    [build, vendors] = await Promise.all([buildSdk(), startFakeVendors()]);
  });
  afterAll(async () => {
    await vendors.close();
    await build.cleanup();
  });

  it('prints one EgressWatchWarning on stderr, and the app runs and exits as usual', async () => {
    const collector = await startTokenCollector(401);
    try {
      const run = await runNode(['--import', build.register, join(import.meta.dirname, 'fixtures', 'fetch-app.mjs')], {
        OTEL_SERVICE_NAME: 'no-token-app',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url.replace('/v1/traces', ''),
        PAYMENTS_URL: vendors.payments.url,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ status: 200, paid: true });
      expect(collector.requests).toBeGreaterThan(0);
      const lines = run.stderr.split('\n').filter((l) => l.includes('EgressWatchWarning'));
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toContain('HTTP 401');
      expect(lines[0]).toContain('OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>');
    } finally {
      await collector.close();
    }
  });
});
