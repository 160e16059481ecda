import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
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
});
