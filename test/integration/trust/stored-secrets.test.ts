import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { jsonBody, jsonSpan } from '../../helpers/otlp-bodies.js';
import { readStore, type StoredRows } from '../../helpers/read-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Secrets a stock OTel HTTP instrumentation puts on a span: in the path (Telegram's bot API keeps
// the bot token there), in a URL's userinfo, in a relative URL's query. None of them may be
// stored, whichever attribute carries them; the honest route around them must survive.

const TELEGRAM_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const SECRETS = ['AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', 'guestpw', 'p4ssw0rd', 'oauthcode1', 'sigvalue9', '4111111111111111', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'];

const attributes: Record<string, string>[] = [
  // What @opentelemetry/instrumentation-http and -undici send: url.full, no template.
  { 'http.request.method': 'POST', 'url.full': `https://api.telegram.org/bot${TELEGRAM_TOKEN}/sendMessage?chat_id=42` },
  // A template that is really the path.
  { 'http.request.method': 'POST', 'server.address': 'api.telegram.org', 'url.template': `/bot${TELEGRAM_TOKEN}/getUpdates` },
  // A value behind a joiner (`!`, `,`, parentheses) that the templating took for one word.
  { 'http.request.method': 'POST', 'server.address': 'api.cards.example', 'url.template': '/v1/cards/4111111111111111!' },
  { 'http.request.method': 'POST', 'url.full': 'https://api.cards.example/v1/keys/a,sk_live_4eC39HqLyjWDarjtT1zdp7dc/rotate' },
  // Honest colon routes keep their names (Google's custom methods).
  { 'http.request.method': 'POST', 'url.full': 'https://sheets.googleapis.com/v4/spreadsheets/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/values:batchGet' },
  {
    'http.request.method': 'GET',
    'server.address': 'api.queue.example',
    'url.template': '/v1/jobs',
    'messaging.url': 'amqp://guest:guestpw@rabbit.example:5672/',
    'peer.service': 'redis://:p4ssw0rd@cache.example:6379',
    'url.original': '/v1/jobs?code=oauthcode1',
    'app.callback': '/v1/blob?sv=2021&sig=sigvalue9',
  },
];
const spans = attributes.map((a, index) => jsonSpan({ index, attributes: a }));

describe('secrets in span URLs and attributes are not stored', () => {
  const dir = tempDir();
  let ew: RunningInstance;
  let rows: StoredRows = [];
  beforeAll(async () => {
    ew = await startInstance(dir.path);
    const body = jsonBody(spans, 'notify');
    const res = await fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    // 200 is sent once the insert is durable; the store is read after the instance stopped.
    expect(await ew.stop()).toBe(0);
    rows = readStore(dir.path, { spans: 'SELECT host, route, attributes FROM egress_spans ORDER BY route' }).spans!;
  }, 180_000);
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('stores every call, with no secret in any column', () => {
    expect(rows).toHaveLength(spans.length);
    const stored = JSON.stringify(rows);
    for (const secret of SECRETS) expect(stored).not.toContain(secret);
  });

  it('keeps the routes around them', () => {
    expect(rows.map((r) => r.route)).toEqual(['/v1/cards/{id}', '/v1/jobs', '/v1/keys/{id}/rotate', '/v4/spreadsheets/{id}/values:batchGet', '/{id}:{id}/getUpdates', '/{id}:{id}/sendMessage']);
  });
});
