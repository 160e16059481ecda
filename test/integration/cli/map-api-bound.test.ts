import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from '../../../cli/api-contract.js';
import { registerApiRoutes } from '../../../cli/api-routes.js';
import { mapApiRoutes } from '../../../cli/map-api.js';
import { apiCall, callerOf } from '../../../cli/store-access.js';
import { parseConfig } from '../../../common/config/index.js';
import { MAP_MAX_VENDORS } from '../../../common/register/flow-map.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { spanRow } from '../../helpers/span-rows.js';

const TOKEN = 'map-bound-token-0123456789';

// 2,002 vendors in the window: 2,000 called once with no PII, `busy` called five times, `cards`
// called once with card numbers. The console asks /api/map for the SVG.
describe('/api/map with 2,002 vendors', () => {
  const store = useMigratedStore();
  let app: FastifyInstance;
  let instance: { url: string; apiToken: string };
  beforeAll(async () => {
    app = Fastify();
    registerApiRoutes(app, store.current, TOKEN, mapApiRoutes(parseConfig({})));
    instance = { url: await app.listen({ host: '127.0.0.1', port: 0 }), apiToken: TOKEN };
    const at = Date.now() - 60_000;
    const row = (vendor: string, i: number, pii: string[] = []) =>
      spanRow({ timestampMs: at + i, vendor, host: `api.${vendor}.example`, span_id: i.toString(16).padStart(16, '0'), request_fields: ['id:string', ...(pii.length ? ['card.number:string'] : [])], request_pii: pii });
    const rows = Array.from({ length: 2000 }, (_, i) => row(`vendor-${String(i).padStart(4, '0')}`, i));
    for (let i = 0; i < 5; i++) rows.push(row('busy', 3000 + i));
    rows.push(row('cards', 4000, ['card.number:card']));
    await store.insertSpans(rows);
  });
  afterAll(async () => {
    await app.close();
  });

  it(`draws ${MAP_MAX_VENDORS} (card numbers and the busiest first) and says how many it left out, in the answer and the picture`, async () => {
    const map = await callerOf(instance)(API.map, { query: { since: '1h' } });
    expect(map.vendors).toHaveLength(MAP_MAX_VENDORS);
    expect(map.vendors).toEqual(expect.arrayContaining(['cards', 'busy']));
    expect(map.omitted_vendors).toBe(2002 - MAP_MAX_VENDORS);
    expect(map.omitted_services).toBe(0);
    expect(map.note).toBe('and 1,902 more vendors with lower risk or fewer calls, not drawn: egresswatch vendors --json lists every vendor');
    expect(map.text).toContain(`<text class="omitted"`);
    expect(map.text).toContain('and 1,902 more vendors');
    expect(map.text.length).toBeLessThan(200_000);
  });

  it('draws up to 500 when asked, and says what the bound is past it', async () => {
    expect((await callerOf(instance)(API.map, { query: { since: '1h', max_vendors: 500 } })).vendors).toHaveLength(500);
    await expect(apiCall(instance, API.map, { query: { since: '1h', max_vendors: 501 } })).rejects.toThrow(/max_vendors/);
  });
});
