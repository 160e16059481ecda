import { request } from 'node:http';
import { Script, createContext, runInContext } from 'node:vm';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiRoutes } from '../../../cli/api-routes.js';
import { alertApiRoutes } from '../../../cli/commands/alerts.js';
import { recordAlerts } from '../../../storage/alert-store.js';
import { registerConsoleRoutes } from '../../../dashboards/console-routes.js';
import { ConsoleSessions } from '../../../dashboards/console-sessions.js';
import { migrate } from '../../../storage/migrate.js';
import { openStore, type Store } from '../../../storage/store.js';
import { tempDir } from '../../helpers/temp-dir.js';

// The console as `start` serves it: a real fastify on 127.0.0.1 with the JSON API next to it,
// on a migrated embedded store holding one vendor. (The Host-header guard of the collector
// listener in front of both is tested in test/integration/collector/access.test.ts.)
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

// Just enough DOM to run the console's script outside a browser (no browser on CI machines):
// elements keep children, attributes and listeners; textContent flattens them.
class FakeNode {
  children: FakeNode[] = [];
  attrs: Record<string, string> = {};
  listeners: Record<string, Array<() => void>> = {};
  className = '';
  value = '';
  checked = false;
  constructor(
    readonly tag: string,
    private text = '',
  ) {}
  append(...nodes: FakeNode[]): void {
    this.children.push(...nodes);
  }
  replaceChildren(...nodes: FakeNode[]): void {
    this.children = nodes;
    this.text = '';
  }
  setAttribute(k: string, v: string): void {
    this.attrs[k] = v;
  }
  getAttribute(k: string): string | null {
    return this.attrs[k] ?? null;
  }
  addEventListener(type: string, f: () => void): void {
    (this.listeners[type] ??= []).push(f);
  }
  get textContent(): string {
    return this.text + this.children.map((c) => c.textContent).join(' ');
  }
  set textContent(v: string) {
    this.text = v;
    this.children = [];
  }
  find(tag: string): FakeNode[] {
    return [...(this.tag === tag ? [this] : []), ...this.children.flatMap((c) => c.find(tag))];
  }
}

describe('built-in console', () => {
  const dir = tempDir();
  let store: Store;
  let app: FastifyInstance;
  let base: string;
  // The same console on an instance without the alerts API (older instance, or its routes off).
  let bare: FastifyInstance;
  let bareBase: string;
  const sessions = new ConsoleSessions();

  async function listen(withAlerts: boolean): Promise<[FastifyInstance, string]> {
    const instance = Fastify({ logger: false });
    registerApiRoutes(instance, store, TOKEN, withAlerts ? alertApiRoutes({ vendors: {} }) : [], { sessions });
    registerConsoleRoutes(instance, { sessions });
    await instance.listen({ host: '127.0.0.1', port: 0 });
    const address = instance.server.address();
    return [instance, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`];
  }

  beforeAll(async () => {
    store = await openStore({ dataDir: dir.path });
    await migrate(store);
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
    await recordAlerts(store, [
      {
        fingerprint: 'f1',
        kind: 'pii_new',
        severity: 'critical',
        status: 'firing',
        vendor: 'stripe',
        service: 'checkout',
        route: '/v1/customers',
        field: 'email',
        startsAt: new Date(Date.now() - 120_000).toISOString(),
        summary: 'stripe now receives email from checkout',
        runbook_url: 'http://127.0.0.1:4318/runbooks/pii_new',
        labels: {},
        annotations: {},
      },
    ]);
    [app, base] = await listen(true);
    [bare, bareBase] = await listen(false);
  });
  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await store?.close();
    dir.remove();
  });

  /** Logs in with a fresh one-time code as a browser following the link would; the cookie to send. */
  async function logIn(url: string): Promise<string> {
    const res = await get(`${url}/login?code=${sessions.mintCode().code}`);
    expect(res.status).toBe(303);
    return String(res.headers['set-cookie']).split(';')[0]!;
  }

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

  it('serves every asset the page references, with its content type, and the scripts parse', async () => {
    const page = (await get(`${base}/`)).body;
    const refs = [...page.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1]!);
    expect(refs.sort()).toEqual(['/console/console.css', '/console/console.js']);
    const js = await get(`${base}/console/console.js`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // The module imports model.js; both must load and be valid JavaScript.
    const imports = [...js.body.matchAll(/from '\.\/([\w-]+\.js)'/g)].map((m) => m[1]!);
    expect(imports).toEqual(['model.js']);
    const model = await get(`${base}/console/model.js`);
    expect(model.status).toBe(200);
    for (const source of [js.body, model.body]) {
      const asScript = source.replace(/^import .*$/gm, '').replace(/^export /gm, '');
      expect(() => new Script(asScript)).not.toThrow();
    }
    const css = await get(`${base}/console/console.css`);
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    expect((await get(`${base}/console/../package.json`)).status).toBe(404);
    expect((await get(`${base}/console/index.html`)).status).toBe(404);
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

  /**
   * Runs the page's script against the instance at `url` and returns its elements once loaded.
   * `cookie` stands in for the browser's cookie jar on the page's same-origin calls.
   */
  async function runConsole(url: string, cookie: string | undefined): Promise<Map<string, FakeNode>> {
    const page = (await get(`${url}/`)).body;
    const ids = [...page.matchAll(/ id="([\w-]+)"/g)].map((m) => m[1]!);
    const elements = new Map(ids.map((id) => [id, new FakeNode('div')]));
    elements.get('filter-since')!.value = '7d';
    const document = {
      getElementById: (id: string) => elements.get(id) ?? null,
      querySelector: () => null,
      createElement: (tag: string) => new FakeNode(tag),
      createTextNode: (text: string) => new FakeNode('#text', text),
    };
    const model = (await get(`${url}/console/model.js`)).body.replace(/^export /gm, '');
    const script = (await get(`${url}/console/console.js`)).body.replace(/^import .*$/m, '');
    const context = createContext({
      document,
      Node: FakeNode,
      fetch: (path: string, init: RequestInit & { headers: Record<string, string> }) => {
        expect(init.credentials).toBe('same-origin');
        return fetch(url + path, { ...init, headers: { ...init.headers, ...(cookie ? { cookie } : {}) } });
      },
      setInterval: () => 0,
      clearInterval: () => undefined,
      Date,
      URL,
      URLSearchParams,
      Promise,
    });
    runInContext(`${model}\n${script}`, context);
    const status = elements.get('status')!;
    for (let i = 0; i < 100 && !/^updated |API|logged in/.test(status.textContent); i++) await new Promise((r) => setTimeout(r, 20));
    if (cookie) expect(status.textContent).toMatch(/^updated /);
    return elements;
  }

  it('the page script renders the inventory with PII badges and the firing alert with its runbook, and filters', async () => {
    const elements = await runConsole(base, await logIn(base));
    const inventory = elements.get('inventory')!;
    expect(inventory.textContent).toContain('stripe');
    expect(inventory.textContent).toContain('POST /v1/customers');
    const badges = inventory.find('span').filter((n) => n.className === 'badge pii').map((n) => n.textContent);
    expect(badges).toEqual(['email', 'email']); // on the vendor and on its field
    expect(elements.get('summary')!.textContent).toContain('PII classes: email');

    const alerts = elements.get('alerts')!;
    expect(alerts.textContent).toContain('stripe now receives email from checkout');
    expect(alerts.find('span').map((n) => [n.className, n.textContent])).toContainEqual(['badge critical', 'critical']);
    expect(alerts.find('a').map((a) => a.attrs['href'])).toEqual(['http://127.0.0.1:4318/runbooks/pii_new']);
    expect(alerts.textContent).toContain('2 min ago');

    elements.get('filter-text')!.value = 'no-such-vendor';
    for (const f of elements.get('filter-text')!.listeners['input'] ?? []) f();
    expect(inventory.textContent).toBe('Nothing matches the filter.');
  });

  it('still shows the inventory on an instance without the alerts API', async () => {
    const elements = await runConsole(bareBase, await logIn(bareBase));
    expect(elements.get('inventory')!.textContent).toContain('POST /v1/customers');
    expect(elements.get('alerts')!.textContent).toContain('no alerts API');
  });

  it('tells a visitor without a session to open the login link from `start`', async () => {
    const elements = await runConsole(base, undefined);
    expect(elements.get('status')!.textContent).toMatch(/Not logged in .*login link that `egresswatch start` printed.*egresswatch console-link/);
    expect(elements.get('inventory')!.textContent).toBe('');
  });
});
