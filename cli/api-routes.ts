import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EgressWatchError } from '../common/errors.js';
import type { Store } from '../storage/store.js';
import { readInventory } from '../storage/inventory.js';
import { parseDurationMs } from './command.js';

/** One extra API route contributed by a module (alerts, detect, …). */
export interface ApiRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (req: FastifyRequest, store: Store) => Promise<unknown>;
}

const vendorsQuery = z.object({ vendor: z.string().optional(), since: z.string().optional() }).strict();

type Handler = (req: FastifyRequest, res: FastifyReply) => Promise<unknown>;

/**
 * The local JSON API (`/api/…`) that the CLI and the console use while `start` owns the
 * embedded store. Every call needs the instance's API token.
 */
export function registerApiRoutes(app: FastifyInstance, store: Store, apiToken: string, extra: readonly ApiRoute[] = []): void {
  const expected = createHash('sha256').update(apiToken).digest();
  const authorized = (req: FastifyRequest): boolean => {
    const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return presented !== undefined && timingSafeEqual(createHash('sha256').update(presented).digest(), expected);
  };
  const wrap =
    (handler: (req: FastifyRequest) => Promise<unknown>): Handler =>
    async (req, res) => {
      if (!authorized(req)) return res.code(401).send({ message: 'missing or wrong API token (see instance.json in the data dir)' });
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof z.ZodError) return res.code(400).send({ message: err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        if (err instanceof EgressWatchError && err.code === 'EW_ERR_CONFIG') return res.code(400).send({ message: err.message });
        return res.code(500).send({ message: (err as Error).message });
      }
    };
  const routes: ApiRoute[] = [
    {
      method: 'GET',
      path: '/api/vendors',
      handler: async (req) => {
        const q = vendorsQuery.parse(req.query);
        return readInventory(store, { vendor: q.vendor, sinceMs: q.since ? Date.now() - parseDurationMs(q.since, 'since') : undefined });
      },
    },
    ...extra,
  ];

  // The OTLP endpoint takes raw bytes; the API speaks JSON. An encapsulated scope gives the API
  // its own parser without touching /v1/traces.
  void app.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => {
      try {
        done(null, body === '' ? undefined : JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('request body is not valid JSON'), { statusCode: 400 }), undefined);
      }
    });
    for (const route of routes) {
      const handler = wrap((req) => route.handler(req, store));
      if (route.method === 'GET') api.get(route.path, handler);
      else api.post(route.path, handler);
    }
  });
}
