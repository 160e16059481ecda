/**
 * The local JSON API (docs/ARCHITECTURE.md "Local JSON API"), declared once: for each route its
 * method, path, query (and body) schema and the type of its answer. The server registers its
 * handlers from these declarations (`apiRoute` in api-routes.ts: a handler must return the
 * declared answer), and the CLI calls them by declaration (`ApiCaller` in store-access.ts), so a
 * path or a payload cannot drift between the two sides. The console's browser code
 * (dashboards/console/*.js) calls the same paths: the wire is the contract, this file states it.
 *
 * This file holds schemas and types only (no Fastify, no store): the CLI client and the server
 * both import it. It lives in cli/ because the answers are built from storage/ and alerts/ types,
 * which only cli/ may import together (data moves one way).
 */
import { z } from 'zod';
import type { PolicyReport } from '../alerts/policy.js';
import type { ReplayProgress, ReplayResult } from '../app/replay.js';
import type { MarkedAlert, SilenceView } from '../alerts/silence-service.js';
import type { RegisterModel } from '../common/register/register-model.js';
import type { RouteFlow } from '../common/register/route-flow.js';
import { MAP_MAX_VENDORS } from '../common/register/flow-map.js';
import type { PiiFlow } from '../storage/alert-policy-store.js';
import type { StoredAlert } from '../storage/alert-store.js';
import { INVENTORY_PAGE_DEFAULT, INVENTORY_PAGE_MAX, type InventoryPage } from '../storage/inventory.js';
import type { PiiKpi } from '../storage/register-queries.js';
import type { VendorSeries } from '../storage/series-queries.js';

/**
 * The declared answer of a route: `check` guards the envelope the CLI reads (a different
 * egresswatch version answering gets a clear error instead of a crash further on); `T` is the
 * full static type, which the server's handler must return.
 */
export interface Answer<T> {
  readonly check: z.ZodType;
  /** Never set: carries `T` for the type checker. */
  readonly _type?: T;
}

function answer<T>(check: z.ZodType): Answer<T> {
  return { check };
}

/** One route of the local JSON API. */
export interface ApiRouteSpec<P extends string = string, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R = unknown> {
  readonly method: 'GET' | 'POST';
  /** Fastify path; `:name` segments are path parameters. */
  readonly path: P;
  readonly query: Q;
  /** POST body; `z.undefined()` when the route takes none. */
  readonly body: B;
  readonly answer: Answer<R>;
}

/** The names of a path's `:name` segments. */
export type PathParams<P extends string> = P extends `${string}:${infer N}/${infer Rest}` ? N | PathParams<`/${Rest}`> : P extends `${string}:${infer N}` ? N : never;

/** What a route answers. */
export type AnswerOf<S> = S extends ApiRouteSpec<string, z.ZodType, z.ZodType, infer R> ? R : never;

function route<const P extends string, Q extends z.ZodType, B extends z.ZodType, R>(spec: ApiRouteSpec<P, Q, B, R>): ApiRouteSpec<P, Q, B, R> {
  return spec;
}

/** A route without query parameters; unknown ones are ignored, as they always were. */
const noQuery = z.object({});
const noBody = z.undefined();

/** A window: `from`/`to` (epoch ms, RFC 3339, `now-2h`) or `since` (`7d`). */
export const windowQuery = {
  since: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
};

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export const MAP_FORMATS = ['mermaid', 'dot', 'svg'] as const;
export type MapFormat = (typeof MAP_FORMATS)[number];

/** `GET /api/map`: JSON like every API route; the diagram is its `text`. */
export interface MapAnswer {
  format: MapFormat;
  from: string;
  to: string;
  /** Names drawn, in diagram order: what a caller can check without parsing the picture. */
  services: string[];
  vendors: string[];
  /** Vendors left out by `max_vendors` (lowest risk, fewest calls), and services that call only them. */
  omitted_vendors: number;
  omitted_services: number;
  /** The sentence the picture shows about them; '' when nothing was left out. */
  note: string;
  text: string;
}

/** `max_vendors` of /api/map: the console's picture stays a picture (2,000 vendors made 2.3 MB of SVG). */
export const MAP_MAX_VENDORS_LIMIT = 500;

/** `GET /api/register`: the register model under this instance's config (the console's register and risk view). */
export interface RegisterAnswer extends RegisterModel {
  from: string;
  to: string;
}

/** `GET /api/register/flows`: the raw route flows, for a CLI that judges them by its own config. */
export interface FlowsAnswer {
  from: string;
  to: string;
  flows: RouteFlow[];
}

/** `GET /api/pii-kpi`: sensitive fields per vendor per UTC day. */
export interface KpiAnswer extends PiiKpi {
  /** Classes not counted (tier below personal under this config). */
  not_sensitive: string[];
}

/** One vendor's series in the API answer, with its Grafana dashboard when one is configured. */
export interface VendorSeriesView extends VendorSeries {
  dashboard_url?: string;
}

/** `GET /api/series`: what the console's charts and sparklines draw. */
export interface SeriesAnswer {
  /** RFC 3339: start of the first bucket (the asked start, rounded down to a bucket). */
  from: string;
  to: string;
  step_seconds: number;
  series: VendorSeriesView[];
}

/** `GET /api/policy`: the gate's report under the instance's config, and the flows it judged (`policy check --policy FILE` judges them by its own file). */
export type PolicyAnswer = PolicyReport & { flows: PiiFlow[] };

/** `POST /api/console/login-links`: a path with a fresh one-time code, and when it expires. */
export interface LoginLink {
  path: string;
  expiresAt: string;
}

/** An alert as listed: the stored alert, and which silences keep it from the receivers now. */
export type ListedAlert = MarkedAlert<StoredAlert>;

const listOf = (item: Record<string, z.ZodType>): z.ZodType => z.array(z.looseObject(item));
const alertItem = { fingerprint: z.string(), status: z.enum(ALERT_STATUSES), vendor: z.string(), silencedBy: z.array(z.string()).optional() };
const silenceItem = { id: z.string(), matchers: z.array(z.string()), endsAt: z.string() };
const flowsEnvelope = z.looseObject({ from: z.string(), to: z.string(), flows: z.array(z.looseObject({ vendor: z.string(), service: z.string() })) });

/** The routes, by name. */
export const API = {
  vendors: route({
    method: 'GET',
    path: '/api/vendors',
    query: z
      .object({
        vendor: z.string().optional(),
        ...windowQuery,
        limit: z.coerce.number().int().min(1).max(INVENTORY_PAGE_MAX).default(INVENTORY_PAGE_DEFAULT),
        offset: z.coerce.number().int().min(0).default(0),
      })
      .strict(),
    body: noBody,
    answer: answer<InventoryPage>(z.looseObject({ vendors: listOf({ vendor: z.string() }), next_offset: z.number().int().optional() })),
  }),
  alerts: route({
    method: 'GET',
    path: '/api/alerts',
    query: z.object({ status: z.enum(ALERT_STATUSES).optional(), fingerprint: z.string().optional(), vendor: z.string().optional(), ...windowQuery }).strict(),
    body: noBody,
    answer: answer<ListedAlert[]>(listOf(alertItem)),
  }),
  silences: route({ method: 'GET', path: '/api/silences', query: noQuery, body: noBody, answer: answer<SilenceView[]>(listOf(silenceItem)) }),
  addSilence: route({
    method: 'POST',
    path: '/api/silences',
    query: noQuery,
    body: z.object({ matchers: z.array(z.string()), duration: z.string(), comment: z.string(), createdBy: z.string().optional() }).strict(),
    answer: answer<SilenceView>(z.looseObject(silenceItem)),
  }),
  expireSilence: route({ method: 'POST', path: '/api/silences/:id/expire', query: noQuery, body: noBody, answer: answer<SilenceView>(z.looseObject(silenceItem)) }),
  policy: route({
    method: 'GET',
    path: '/api/policy',
    query: z.object({ since: z.string().optional() }).strict(),
    body: noBody,
    answer: answer<PolicyAnswer>(z.looseObject({ ok: z.boolean(), flows: listOf({ vendor: z.string(), pii: z.string() }) })),
  }),
  series: route({
    method: 'GET',
    path: '/api/series',
    query: z
      .object({
        /** Repeat for several vendors (`?vendor=a&vendor=b`): names may hold any character, commas too. */
        vendor: z.union([z.string(), z.array(z.string())]),
        from: z.string().optional(),
        to: z.string().optional(),
        /** Seconds (`300`) or a duration (`5m`). */
        step: z.string().optional(),
      })
      .strict(),
    body: noBody,
    answer: answer<SeriesAnswer>(z.looseObject({ step_seconds: z.number(), series: listOf({ vendor: z.string() }) })),
  }),
  register: route({ method: 'GET', path: '/api/register', query: z.object(windowQuery).strict(), body: noBody, answer: answer<RegisterAnswer>(z.looseObject({ from: z.string(), to: z.string() })) }),
  registerFlows: route({
    method: 'GET',
    path: '/api/register/flows',
    query: z.object({ ...windowQuery, vendor: z.union([z.string(), z.array(z.string())]).optional() }).strict(),
    body: noBody,
    answer: answer<FlowsAnswer>(flowsEnvelope),
  }),
  piiKpi: route({ method: 'GET', path: '/api/pii-kpi', query: z.object(windowQuery).strict(), body: noBody, answer: answer<KpiAnswer>(z.looseObject({ not_sensitive: z.array(z.string()) })) }),
  map: route({
    method: 'GET',
    path: '/api/map',
    query: z.object({ ...windowQuery, format: z.enum(MAP_FORMATS).default('svg'), max_vendors: z.coerce.number().int().min(1).max(MAP_MAX_VENDORS_LIMIT).default(MAP_MAX_VENDORS) }).strict(),
    body: noBody,
    answer: answer<MapAnswer>(z.looseObject({ format: z.enum(MAP_FORMATS), text: z.string(), services: z.array(z.string()), vendors: z.array(z.string()) })),
  }),
  loginLinks: route({ method: 'POST', path: '/api/console/login-links', query: noQuery, body: noBody, answer: answer<LoginLink>(z.looseObject({ path: z.string(), expiresAt: z.string() })) }),
  /** `detect` through the instance that owns the store: cli/commands/detect.ts serves and calls these two. */
  detect: route({
    method: 'POST',
    path: '/api/detect',
    query: noQuery,
    body: z
      .object({
        from: z.number(),
        to: z.number(),
        step: z.number(),
        notify: z.boolean(),
        record: z.string().uuid().optional(),
        lookback: z.number().optional(),
        progressId: z.string().max(64).optional(),
      })
      .strict(),
    answer: answer<ReplayResult>(z.looseObject({ alerts: listOf({ fingerprint: z.string(), status: z.enum(ALERT_STATUSES) }) })),
  }),
  detectProgress: route({
    method: 'GET',
    path: '/api/detect/progress',
    query: z.object({ id: z.string().max(64) }).strict(),
    body: noBody,
    answer: answer<{ progress?: ReplayProgress }>(z.looseObject({ progress: z.looseObject({ done: z.number(), total: z.number() }).optional() })),
  }),
  /** Served by the collector (no token needed), not by `registerApiRoutes`: `migrate` asks it whether the instance is up. */
  health: route({ method: 'GET', path: '/healthz', query: noQuery, body: noBody, answer: answer<{ status: string }>(z.looseObject({ status: z.string() })) }),
} as const;
