import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchWriter } from '../../../collector/batch-writer.js';
import { allRows } from '../../../collector/decode-rows.js';
import { createCollectorServer, type CollectorServer, type CollectorServerOptions } from '../../../collector/server.js';
import { consoleLinkCommand } from '../../../cli/commands/console-link.js';
import { parseCommandArgs } from '../../../cli/command.js';
import { migrate } from '../../../storage/migrate.js';
import { encodeSpans, insertSpanChunks, type SpanChunk } from '../../../storage/span-writer.js';
import { openStore, type Store } from '../../../storage/store.js';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { headerOf, httpRequest, rawClient, statusOf } from '../../helpers/raw-http.js';
import { tempDir } from '../../helpers/temp-dir.js';

const EMPTY_EXPORT = '{"resourceSpans":[]}';

describe('an instance on loopback, as `start` runs it', () => {
  const dir = tempDir();
  let ew: RunningInstance;
  let host: string;
  beforeAll(async () => {
    ew = await startInstance(dir.path);
    host = new URL(ew.url).host;
  });
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  // A page on a domain the attacker re-points to 127.0.0.1 (DNS rebinding) is same-origin with
  // the instance in the victim's browser; its requests still say `Host: evil.example`.
  it('refuses requests addressed to another name, on every route', async () => {
    const routes: Array<[string, string, Record<string, string>?]> = [
      ['POST', '/v1/traces', { 'content-type': 'application/json' }],
      ['GET', '/api/alerts', { authorization: `Bearer ${ew.apiToken}` }],
      ['GET', '/'],
      ['GET', '/login?code=whatever'],
      ['GET', '/console/console.js'],
      ['GET', '/runbooks/pii_new'],
      ['GET', '/metrics'],
      ['GET', '/healthz'],
    ];
    for (const [method, path, headers] of routes) {
      const res = await httpRequest(`${ew.url}${path}`, { method, headers: { ...headers, host: 'evil.example' }, body: method === 'POST' ? EMPTY_EXPORT : undefined });
      expect([path, res.status]).toEqual([path, 421]);
      expect(res.body).toMatch(/127\.0\.0\.1, localhost or \[::1\]/);
      expect(res.body).not.toContain(ew.apiToken);
    }
    const withPort = await httpRequest(`${ew.url}/healthz`, { headers: { host: `evil.example:${new URL(ew.url).port}` } });
    expect(withPort.status).toBe(421);
  });

  it('answers requests addressed to 127.0.0.1, localhost or [::1], with or without the port', async () => {
    const port = new URL(ew.url).port;
    for (const name of [host, `localhost:${port}`, 'localhost', `[::1]:${port}`, `127.0.0.2:${port}`]) {
      const spans = await httpRequest(`${ew.url}/v1/traces`, { method: 'POST', headers: { host: name, 'content-type': 'application/json' }, body: EMPTY_EXPORT });
      expect([name, spans.status]).toEqual([name, 200]);
      const api = await httpRequest(`${ew.url}/api/alerts`, { headers: { host: name, authorization: `Bearer ${ew.apiToken}` } });
      expect([name, api.status]).toEqual([name, 200]);
      expect((await httpRequest(`${ew.url}/`, { headers: { host: name } })).status).toBe(200);
    }
  });

  it('serves a console page without the token; the one-time link from `start` logs a browser in once', async () => {
    const page = await httpRequest(`${ew.url}/`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(ew.apiToken);
    expect((await httpRequest(`${ew.url}/api/alerts`)).status).toBe(401);

    const link = /console\s+(http:\/\/\S+\/login\?code=\S+)/.exec(ew.stdout())?.[1];
    expect(link).toBeDefined();
    const login = await httpRequest(link!);
    expect(login.status).toBe(303);
    expect(login.headers['location']).toBe('/');
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toContain(ew.apiToken);
    const cookie = setCookie.split(';')[0]!;

    const alerts = await httpRequest(`${ew.url}/api/alerts`, { headers: { cookie } });
    expect([alerts.status, alerts.body]).toEqual([200, '[]']);
    const again = await httpRequest(link!, {});
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toMatch(/egresswatch console-link/);
  });

  // SameSite=Strict does not stop a page on another port of 127.0.0.1 (same site), so a
  // state-changing call on the cookie must come from this very origin.
  it('takes a state-changing call on the session cookie only from its own origin', async () => {
    const link = await newLoginLink();
    const cookie = String((await httpRequest(link)).headers['set-cookie']).split(';')[0]!;
    const silence = JSON.stringify({ matchers: ['vendor=~.*'], duration: '87600h', comment: 'ten years of quiet' });
    const post = (headers: Record<string, string>): ReturnType<typeof httpRequest> =>
      httpRequest(`${ew.url}/api/silences`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: silence });
    expect((await post({})).status).toBe(403);
    expect((await post({ origin: 'http://127.0.0.1:8080' })).status).toBe(403);
    expect((await post({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ origin: `http://${host}` })).status).toBe(200);
    const noCookie = await httpRequest(`${ew.url}/api/silences`, { method: 'POST', headers: { origin: `http://${host}`, 'content-type': 'application/json' }, body: silence });
    expect(noCookie.status).toBe(401);
  });

  /** `egresswatch console-link`, run as a user would, on the instance's data dir. */
  async function newLoginLink(): Promise<string> {
    const config = join(dir.path, 'console-link.yaml');
    writeFileSync(config, `data_dir: ${JSON.stringify(dir.path)}\n`);
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
    try {
      expect(await consoleLinkCommand.run(parseCommandArgs(consoleLinkCommand, ['--config', config]))).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const link = /^(http:\/\/\S+\/login\?code=\S+)$/m.exec(chunks.join(''))?.[1];
    expect(link).toBeDefined();
    return link!;
  }

  it('`egresswatch console-link` gives a fresh link to whoever can read instance.json', async () => {
    const link = await newLoginLink();
    expect(new URL(link).origin).toBe(ew.url);
    expect((await httpRequest(link)).status).toBe(303);
    expect((await httpRequest(link)).status).toBe(403);
    const noToken = await httpRequest(`${ew.url}/api/console/login-links`, { method: 'POST' });
    expect(noToken.status).toBe(401);
  });

  it("keeps its Redis behind a password that is neither in the process list nor in the instance's output", async () => {
    const redisPort = /BullMQ on redis:\/\/127\.0\.0\.1:(\d+)/.exec(ew.stdout())?.[1];
    expect(redisPort).toBeDefined();
    const client = rawClient(`http://127.0.0.1:${redisPort}`);
    await client.connected;
    client.write('PING\r\n');
    for (let i = 0; i < 100 && !client.received().includes('\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(client.received()).toMatch(/^-NOAUTH/);
    client.destroy();
    const password = /^requirepass (\S+)$/m.exec(readFileSync(join(dir.path, 'redis', 'redis.conf'), 'utf8'))?.[1];
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(password);
    expect(ew.stdout() + ew.stderr()).not.toContain(password);
    expect(readFileSync(join(dir.path, 'redis', 'redis.log'), 'utf8')).not.toContain(password);
  });
});

describe('the listener’s limits (small values, to see them act)', () => {
  const dir = tempDir();
  let store: Store;
  let writer: BatchWriter<SpanChunk>;
  let server: CollectorServer | undefined;
  beforeAll(async () => {
    store = await openStore({ dataDir: dir.path });
    await migrate(store);
    writer = new BatchWriter<SpanChunk>({ write: (chunks) => insertSpanChunks(store, chunks, 30_000), sizeOf: (c) => c.rows, flushIntervalMs: 20 });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(async () => {
    await writer?.shutdown();
    await store?.close();
    dir.remove();
  });

  /** The collector's server as the collector role builds it, on the real store, with `options`. */
  async function listen(options: Partial<CollectorServerOptions>): Promise<string> {
    server = await createCollectorServer({
      host: '127.0.0.1',
      port: 0,
      spans: {
        write: async (rows) => (rows.length === 0 ? undefined : writer.enqueue([encodeSpans(store, await allRows(rows))])),
        get queueDepth() {
          return writer.queueDepth;
        },
      },
      normalize: { configVendors: [], ignoreHosts: [], maxAgeMs: 30 * 86_400_000 },
      ...options,
    });
    return server.listen();
  }

  const exportHead = (url: string, length: number | 'chunked'): string =>
    `POST /v1/traces HTTP/1.1\r\nHost: ${new URL(url).host}\r\nContent-Type: application/json\r\n${length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`}\r\n\r\n`;

  it('cuts off a sender that trickles its body slower than request_timeout_ms', async () => {
    const url = await listen({ requestTimeoutMs: 600, headersTimeoutMs: 300 });
    const client = rawClient(url);
    await client.connected;
    client.write(exportHead(url, 100_000));
    client.trickle(50);
    const closedAfterMs = await client.closed;
    expect(closedAfterMs).toBeGreaterThanOrEqual(550);
    expect(closedAfterMs).toBeLessThan(3_000);
    expect(statusOf(client.received())).toBe(408);
    expect(client.sent()).toBeLessThan(100_000);
  });

  it('cuts off a client that trickles its headers, and one that sends nothing', async () => {
    const url = await listen({ requestTimeoutMs: 2_000, headersTimeoutMs: 400 });
    const slow = rawClient(url);
    const silent = rawClient(url);
    await Promise.all([slow.connected, silent.connected]);
    slow.write('POST /v1/traces HTTP/1.1\r\n');
    slow.trickle(50, 'X');
    const [slowMs, silentMs] = await Promise.all([slow.closed, silent.closed]);
    expect(slowMs).toBeLessThan(2_000);
    expect(silentMs).toBeLessThan(2_000);
  });

  it('closes connections beyond max_connections as they arrive', async () => {
    const url = await listen({ maxConnections: 3 });
    const held = [rawClient(url), rawClient(url), rawClient(url)];
    for (const c of held) {
      await c.connected;
      c.write('GET /healthz HTTP/1.1\r\n'); // headers not finished: the connection stays open
    }
    const extra = rawClient(url);
    expect(await extra.closed).toBeLessThan(1_000);
    expect(extra.received()).toBe('');
    held[0]!.destroy();
    await held[0]!.closed;
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await httpRequest(`${url}/healthz`, { headers: { connection: 'close' } }).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
    for (const c of held) c.destroy();
  });

  it('answers 429 with Retry-After before reading a body once max_inflight_bytes are held', async () => {
    const url = await listen({ maxBodyBytes: 64 * 1024, maxInflightBytes: 64 * 1024 });
    const body = EMPTY_EXPORT.padEnd(50_000, ' ');
    const slow = rawClient(url);
    await slow.connected;
    slow.write(exportHead(url, body.length) + body.slice(0, 100)); // holds its 50 000 announced bytes
    await new Promise((r) => setTimeout(r, 100));

    const refused = rawClient(url);
    await refused.connected;
    refused.write(exportHead(url, 20_000) + ' '.repeat(16));
    const head = await refused.head();
    expect(statusOf(head)).toBe(429);
    expect(headerOf(head, 'retry-after')).toBe('1');
    expect(refused.sent()).toBeLessThan(1024);
    refused.destroy();

    // Chunked: no length to hold in advance, so it is refused when its bytes would go past the cap.
    const chunked = await httpRequest(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: EMPTY_EXPORT.padEnd(20_000, ' ') });
    expect([chunked.status, chunked.headers['retry-after']]).toEqual([429, '1']);

    slow.write(body.slice(100));
    expect(statusOf(await slow.head())).toBe(200);
    slow.destroy();
    const after = await httpRequest(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: EMPTY_EXPORT.padEnd(20_000, ' ') });
    expect(after.status).toBe(200);
    const metrics = (await httpRequest(`${url}/metrics`)).body;
    expect(metrics).toMatch(/^egresswatch_http_refused_total\{reason="inflight_bytes"\} [1-9]/m);
    expect(metrics).toMatch(/^egresswatch_inflight_body_bytes 0$/m);
  });

  it('also answers the host name of the configured external URL', async () => {
    const url = await listen({ allowedHostnames: ['egresswatch.example.com'] });
    expect((await httpRequest(`${url}/healthz`, { headers: { host: 'egresswatch.example.com' } })).status).toBe(200);
    expect((await httpRequest(`${url}/healthz`, { headers: { host: 'EgressWatch.example.com:443' } })).status).toBe(200);
    expect((await httpRequest(`${url}/healthz`, { headers: { host: 'egresswatch.example.com.evil.example' } })).status).toBe(421);
  });

  it('refuses limits that contradict each other, naming the keys', async () => {
    await expect(listen({ requestTimeoutMs: 1_000, headersTimeoutMs: 5_000 })).rejects.toThrow(/headers_timeout_ms.*request_timeout_ms/);
    await expect(listen({ maxBodyBytes: 2048, maxInflightBytes: 1024 })).rejects.toThrow(/max_inflight_bytes.*max_body_bytes/);
  });
});
