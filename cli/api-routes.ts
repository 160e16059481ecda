import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hasErrorCode } from '../common/errors.js';
import { isSameOrigin, type ConsoleSessions } from '../dashboards/console-sessions.js';
import type { Store } from '../storage/store.js';
import { readInventoryPage } from '../storage/inventory.js';
import { API, type ApiRouteSpec, type PathParams } from './api-contract.js';
import { apiTimeMs } from './api-time.js';
import { parseDurationMs } from './command.js';

/** One extra API route contributed by a module (alerts, detect, …): made by `apiRoute` from its declaration in api-contract.ts. */
export interface ApiRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (req: FastifyRequest, store: Store) => Promise<unknown>;
}

/** What a handler gets: the query and body parsed by the route's schemas, and its path parameters. */
export interface ApiInput<P extends string, Q extends z.ZodType, B extends z.ZodType> {
  query: z.output<Q>;
  body: z.output<B>;
  params: Record<PathParams<P>, string>;
  req: FastifyRequest;
}

/**
 * The server side of a declared route: the handler must answer the declared type. A query or body
 * the schema refuses answers 400 with the schema's words (see `wrap`); a route declared without a
 * body ignores one, as it always did.
 */
export function apiRoute<P extends string, Q extends z.ZodType, B extends z.ZodType, R>(
  spec: ApiRouteSpec<P, Q, B, R>,
  handler: (input: ApiInput<P, Q, B>, store: Store) => Promise<R>,
): ApiRoute {
  return {
    method: spec.method,
    path: spec.path,
    handler: async (req, store) => {
      const query = spec.query.parse(req.query);
      const body = spec.body instanceof z.ZodUndefined ? undefined : spec.body.parse(req.body);
      return handler({ query, body: body as z.output<B>, params: req.params as Record<PathParams<P>, string>, req }, store);
    },
  };
}

type Handler = (req: FastifyRequest, res: FastifyReply) => Promise<unknown>;

/** How else than by the API token a caller may be let in. */
export interface ApiAuthOptions {
  /** Console logins: a live session cookie opens the API too (state-changing calls from the console's own origin only). */
  sessions?: ConsoleSessions | undefined;
}

const UNAUTHORIZED =
  'not logged in: the CLI sends the API token from instance.json in the data dir (Authorization: Bearer <token>); in a browser, open the one-time login link that `egresswatch start` printed, or get a new one with `egresswatch console-link`';

/**
 * The local JSON API (`/api/…`) that the CLI and the console use while `start` owns the
 * embedded store. Every call needs the instance's API token (the CLI) or a console session
 * cookie (the browser), checked before the body is read.
 */
export function registerApiRoutes(app: FastifyInstance, store: Store, apiToken: string, extra: readonly ApiRoute[] = [], auth: ApiAuthOptions = {}): void {
  const expected = createHash('sha256').update(apiToken).digest();
  const refusal = (req: FastifyRequest): { status: number; message: string } | undefined => {
    const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (presented !== undefined) {
      return timingSafeEqual(createHash('sha256').update(presented).digest(), expected) ? undefined : { status: 401, message: 'wrong API token (see instance.json in the data dir)' };
    }
    if (!auth.sessions?.fromRequest(req)) return { status: 401, message: UNAUTHORIZED };
    // The cookie goes with every request the browser sends here, whoever's page started it;
    // reading is safe (another origin cannot see the answer), changing state is not.
    if (req.method === 'GET' || req.method === 'HEAD' || isSameOrigin(req)) return undefined;
    return { status: 403, message: 'a console session changes state only from the console itself: Origin does not name this instance' };
  };
  const wrap =
    (handler: (req: FastifyRequest) => Promise<unknown>): Handler =>
    async (req, res) => {
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof z.ZodError) return res.code(400).send({ message: err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        if (hasErrorCode(err, 'EW_ERR_CONFIG')) return res.code(400).send({ message: err.message });
        return res.code(500).send({ message: (err as Error).message });
      }
    };
  const routes: ApiRoute[] = [
    apiRoute(API.vendors, async ({ query: q }) => {
      // Always a page: the console polls this, and a store can hold more vendors than a page should.
      const now = Date.now();
      const sinceMs = q.from !== undefined ? apiTimeMs(q.from, 'from', now) : q.since ? now - parseDurationMs(q.since, 'since') : undefined;
      const untilMs = q.to !== undefined ? apiTimeMs(q.to, 'to', now) : undefined;
      return readInventoryPage(store, { vendor: q.vendor, sinceMs, untilMs, limit: q.limit, offset: q.offset });
    }),
    ...extra,
  ];

  // The OTLP endpoint takes raw bytes; the API speaks JSON. An encapsulated scope gives the API
  // its own parser without touching /v1/traces.
  void app.register(async (api) => {
    api.addHook('onRequest', async (req, res) => {
      const refused = refusal(req);
      if (refused) return res.code(refused.status).header('Cache-Control', 'no-store').send({ message: refused.message });
    });
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
