import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from '../../../cli/api-contract.js';
import { registerApiRoutes } from '../../../cli/api-routes.js';
import { alertApiRoutes } from '../../../cli/commands/alerts.js';
import { consoleLinkRoute } from '../../../cli/commands/console-link.js';
import { detectApiRoutes } from '../../../cli/commands/detect.js';
import { mapApiRoutes } from '../../../cli/map-api.js';
import { privacyRegisterApiRoutes } from '../../../cli/register-api.js';
import { seriesApiRoutes } from '../../../cli/series-api.js';
import { apiCall, callerOf } from '../../../cli/store-access.js';
import { parseConfig } from '../../../common/config/index.js';
import { ConfigError } from '../../../common/errors.js';
import { ConsoleSessions } from '../../../dashboards/console-sessions.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { spanRow } from '../../helpers/span-rows.js';

const TOKEN = 'contract-token-0123456789';

// The CLI's client against the server's handlers, both from cli/api-contract.ts, over real HTTP.
describe('the local JSON API contract', () => {
  const store = useMigratedStore();
  let app: FastifyInstance;
  let instance: { url: string; apiToken: string };
  beforeAll(async () => {
    const config = parseConfig({ vendors: { stripe: { allow_pii: [] } } });
    app = Fastify();
    const routes = [...alertApiRoutes(config), ...seriesApiRoutes(config), ...privacyRegisterApiRoutes(config), ...mapApiRoutes(config), consoleLinkRoute(new ConsoleSessions()), ...detectApiRoutes({ config: () => config, notifier: () => undefined })];
    registerApiRoutes(app, store.current, TOKEN, routes);
    app.get('/healthz', async () => ({ status: 'ok' }));
    instance = { url: await app.listen({ host: '127.0.0.1', port: 0 }), apiToken: TOKEN };
    const now = Date.now();
    await store.insertSpans([spanRow({ timestampMs: now - 60_000, vendor: 'stripe', request_pii: ['customer.email:email'], request_fields: ['customer.email:string'] })]);
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers every route the CLI and the console call as declared', async () => {
    const call = callerOf(instance);
    expect((await call(API.vendors, { query: { since: '1h' } })).vendors.map((v) => v.vendor)).toEqual(['stripe']);
    expect(await call(API.alerts, { query: { status: 'firing' } })).toEqual([]);
    const silence = await call(API.addSilence, { body: { matchers: ['vendor=stripe'], duration: '1h', comment: 'contract' } });
    expect((await call(API.silences)).map((s) => s.id)).toContain(silence.id);
    expect((await call(API.expireSilence, { params: { id: silence.id } })).state).toBe('expired');
    const policy = await call(API.policy, { query: { since: '1h' } });
    expect(policy.ok).toBe(false);
    expect(policy.flows.map((f) => `${f.vendor} ${f.pii}`)).toEqual(['stripe email']);
    expect((await call(API.series, { query: { vendor: ['stripe'], from: 'now-1h' } })).series.map((s) => s.vendor)).toEqual(['stripe']);
    expect((await call(API.registerFlows, { query: { since: '1h', vendor: 'stripe' } })).flows.map((f) => f.vendor)).toEqual(['stripe']);
    expect((await call(API.register, { query: { since: '1h' } })).from).toMatch(/^\d{4}-/);
    expect((await call(API.piiKpi)).not_sensitive).toBeInstanceOf(Array);
    expect((await call(API.map, { query: { since: '1h', format: 'mermaid' } })).vendors).toEqual(['stripe']);
    expect((await call(API.loginLinks)).path).toMatch(/^\/login\?code=/);
    expect((await call(API.health)).status).toBe('ok');
    // detect.ts registers its routes by path still: its answers must read as the contract declares them.
    const now = Date.now();
    expect((await call(API.detect, { body: { from: now - 10 * 60_000, to: now, step: 60_000, notify: false } })).alerts).toBeInstanceOf(Array);
    expect(await call(API.detectProgress, { query: { id: 'none' } })).toEqual({});
  });

  it('turns a 400 into the server’s own sentence', async () => {
    await expect(apiCall(instance, API.series, { query: { vendor: 'stripe', from: 'yesterday' } })).rejects.toBeInstanceOf(ConfigError);
  });

  it('says so in one sentence when an instance answers something this version does not read', async () => {
    const other = Fastify();
    other.get('/api/vendors', async () => ({ vendors: 'stripe' }));
    other.get('/api/alerts', async () => ({ alerts: [] }));
    const url = await other.listen({ host: '127.0.0.1', port: 0 });
    try {
      await expect(apiCall({ url, apiToken: TOKEN }, API.vendors)).rejects.toThrow(
        `the running egresswatch at ${url} answered GET /api/vendors with something this version does not read (vendors: `,
      );
      await expect(apiCall({ url, apiToken: TOKEN }, API.alerts)).rejects.toThrow(/answered GET \/api\/alerts .*another egresswatch version\? Restart it with this one$/);
    } finally {
      await other.close();
    }
  });
});
