import { request } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiRoutes } from '../../../cli/api-routes.js';
import { alertApiRoutes } from '../../../cli/commands/alerts.js';
import { registerConsoleRoutes } from '../../../dashboards/console-routes.js';
import { ConsoleSessions } from '../../../dashboards/console-sessions.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';

// The console as `start` serves it: a real fastify on 127.0.0.1 with the JSON API next to it,
// on a migrated embedded store holding one vendor. (The Host-header guard of the collector
// listener in front of both is tested in test/integration/collector/access.test.ts; the page
// itself, run in Chromium against a real `egresswatch start`, in console-browser.test.ts.)
const TOKEN = 'test-token-0123456789abcdef';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('built-in console', () => {
  const db = useMigratedStore();
  let store: Store;
  let app: FastifyInstance;
  let base: string;
  const sessions = new ConsoleSessions();

  beforeAll(async () => {
    store = db.current;
    await store.client.insert({
      table: 'egress_spans',
      format: 'JSONEachRow',
      values: [
        {
          timestamp: new Date().toISOString().replace('T', ' ').replace('Z', ''),
          service: 'checkout',
          vendor: 'stripe',
          host: 'api.stripe.com',
          method: 'POST',
          route: '/v1/customers',
          status_code: 200,
          duration_ns: 1_000_000,
          request_fields: ['email:string'],
          request_pii: ['email:email'],
          attributes: {},
        },
      ],
    });
    app = Fastify({ logger: false });
    registerApiRoutes(app, store, TOKEN, alertApiRoutes({ vendors: {} }), { sessions });
    registerConsoleRoutes(app, { sessions });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves the page at / without any token in it', async () => {
    const res = await get(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).not.toContain(TOKEN);
    expect(res.body).not.toMatch(/api-token/i);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    // No inline script or style: the CSP above would block them.
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/<style|style="/);
  });

  it('serves every asset the page references and every module the scripts import, the charting library from the installed package', async () => {
    const page = (await get(`${base}/`)).body;
    const refs = [...page.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1]!);
    expect(refs.sort()).toEqual(['/console/console.css', '/console/console.js', '/console/uplot.css']);
    // Follow the module graph from console.js: each import must be served as JavaScript.
    const seen = new Set<string>();
    const queue = ['console.js'];
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const res = await get(`${base}/console/${file}`);
      expect([file, res.status, res.headers['content-type']]).toEqual([file, 200, 'text/javascript; charset=utf-8']);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      queue.push(...[...res.body.matchAll(/from '\.\/([\w.-]+\.js)'/g)].map((m) => m[1]!));
    }
    expect([...seen].sort()).toEqual(['alerts-view.js', 'api.js', 'charts.js', 'console.js', 'dom.js', 'inventory-view.js', 'model.js', 'range-view.js', 'register-model.js', 'register-view.js', 'silences-view.js', 'uplot.js', 'vendor-view.js']);
    const uplot = await get(`${base}/console/uplot.js`);
    expect(uplot.body).toContain('export { uPlot as default }');
    for (const css of ['console.css', 'uplot.css']) {
      const res = await get(`${base}/console/${css}`);
      expect([css, res.status, res.headers['content-type']]).toEqual([css, 200, 'text/css; charset=utf-8']);
    }
    expect((await get(`${base}/console/../package.json`)).status).toBe(404);
    expect((await get(`${base}/console/index.html`)).status).toBe(404);
    expect((await get(`${base}/console/uPlot.esm.js`)).status).toBe(404);
  });

  it('trades a one-time login code for an HttpOnly, SameSite=Strict session cookie that opens the JSON API', async () => {
    expect((await fetch(`${base}/api/vendors`)).status).toBe(401);
    const { code } = sessions.mintCode();
    const login = await get(`${base}/login?code=${code}`);
    expect(login.status).toBe(303);
    expect(login.headers['location']).toBe('/');
    expect(login.headers['cache-control']).toBe('no-store');
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^egresswatch_session_\d+=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=\/$/);
    const cookie = setCookie.split(';')[0]!;
    const res = await get(`${base}/api/vendors?since=7d`, { cookie });
    expect(res.status).toBe(200);
    const { vendors } = JSON.parse(res.body) as { vendors: Array<{ vendor: string; pii: string[]; routes: Array<{ fields: Array<{ field: string; pii: string[] }> }> }> };
    expect(vendors.map((v) => [v.vendor, v.pii, v.routes[0]?.fields.map((f) => [f.field, f.pii])])).toEqual([['stripe', ['email'], [['email', ['email']]]]]);

    const reused = await get(`${base}/login?code=${code}`);
    expect(reused.status).toBe(403);
    expect(reused.headers['set-cookie']).toBeUndefined();
    expect((await get(`${base}/api/vendors`, { cookie: `${cookie.split('=')[0]}=made-up-session` })).status).toBe(401);
  });

  it('refuses a login code that expired, one never issued, and none', async () => {
    const expired = sessions.mintCode(Date.now() - 11 * 60_000);
    expect((await get(`${base}/login?code=${expired.code}`)).status).toBe(403);
    expect((await get(`${base}/login?code=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(403);
    expect((await get(`${base}/login`)).status).toBe(403);
  });
});
