import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { rawClient, statusOf } from '../../helpers/raw-http.js';
import { tempDir } from '../../helpers/temp-dir.js';

const TOKEN = 'ingest-token-for-tests-0123456789';

describe('ingest tokens', () => {
  const dir = tempDir();
  let ew: RunningInstance;
  beforeAll(async () => {
    ew = await startInstance(dir.path, { EGRESSWATCH_INGEST_TOKENS: `other-token-abcdefghijk,${TOKEN}` });
  });
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  const post = (headers: Record<string, string>): Promise<Response> =>
    fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"resourceSpans":[]}' });

  const refusedCount = async (reason: string): Promise<number> => {
    const text = await (await fetch(`${ew.url}/metrics`)).text();
    return Number(new RegExp(`^egresswatch_http_refused_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };

  it('refuses exports without a known Bearer token and takes them with one', async () => {
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
    expect((await post({ authorization: `Basic ${TOKEN}` })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('keeps the JSON API behind its own token, not the ingest token', async () => {
    expect((await fetch(`${ew.url}/api/vendors`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
    expect((await fetch(`${ew.url}/api/vendors`, { headers: { authorization: `Bearer ${ew.apiToken}` } })).status).toBe(200);
  });

  // Thirty such clients trickling 6 MB each took the collector from 340 to 528 MB of RSS when
  // bodies were read before the token check.
  it('answers a client with a wrong token 401 before reading its body', async () => {
    const before = await refusedCount('unauthorized');
    const client = rawClient(ew.url);
    await client.connected;
    client.write(
      `POST /v1/traces HTTP/1.1\r\nHost: ${new URL(ew.url).host}\r\nAuthorization: Bearer not-the-token-at-all\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${6 * 1024 * 1024}\r\n\r\n`,
    );
    client.write(Buffer.alloc(16));
    const head = await client.head();
    expect(statusOf(head)).toBe(401);
    // The answer came while the sender had written its headers and 16 bytes of 6 MB.
    expect(client.sent()).toBeLessThan(1024);
    client.destroy();
    expect(await refusedCount('unauthorized')).toBe(before + 1);
  });

  it('answers the JSON API 401 before reading the body of a call with a wrong token', async () => {
    const client = rawClient(ew.url);
    await client.connected;
    client.write(
      `POST /api/silences HTTP/1.1\r\nHost: ${new URL(ew.url).host}\r\nAuthorization: Bearer not-the-api-token\r\nContent-Type: application/json\r\nContent-Length: ${900 * 1024}\r\n\r\n{"matchers":`,
    );
    expect(statusOf(await client.head())).toBe(401);
    expect(client.sent()).toBeLessThan(1024);
    client.destroy();
  });
});
