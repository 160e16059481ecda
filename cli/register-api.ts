import { z } from 'zod';
import type { Config } from '../common/config/index.js';
import { ConfigError } from '../common/errors.js';
import { POLICY_TIER, tierAtLeast, tierOf } from '../common/pii-tiers.js';
import { buildRegister, type RegisterModel } from '../common/register/register-model.js';
import type { RouteFlow } from '../common/register/route-flow.js';
import { PII_CLASSES } from '../common/types.js';
import { KPI_MAX_DAYS, readPiiKpi, readRouteFlows, type PiiKpi } from '../storage/register-queries.js';
import type { ApiRoute } from './api-routes.js';
import { apiTimeMs } from './api-time.js';
import { parseDurationMs } from './command.js';

/** A window from API query parameters: `from`/`to` (epoch ms, RFC 3339, `now-2h`) or `since` (`7d`). */
export const windowQuery = {
  since: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
};

/** [fromMs, toMs) of a request; `defaultMs` back from now when it names no start. */
export function windowOf(q: { since?: string | undefined; from?: string | undefined; to?: string | undefined }, defaultMs: number, now = Date.now()): { fromMs: number; toMs: number } {
  const toMs = q.to !== undefined ? apiTimeMs(q.to, 'to', now) : now;
  const fromMs = q.from !== undefined ? apiTimeMs(q.from, 'from', now) : q.since !== undefined ? now - parseDurationMs(q.since, 'since') : toMs - defaultMs;
  if (!(fromMs < toMs)) throw new ConfigError(`from must be before to (from ${new Date(fromMs).toISOString()}, to ${new Date(toMs).toISOString()})`);
  return { fromMs, toMs };
}

/** What the register views look back over when a request names no window: a week, like `policy check`. */
export const REGISTER_DEFAULT_MS = 7 * 86_400_000;
/** The KPI's default: 30 days of daily points. */
export const KPI_DEFAULT_MS = 30 * 86_400_000;

const registerQuery = z.object(windowQuery).strict();
const flowsQuery = z.object({ ...windowQuery, vendor: z.union([z.string(), z.array(z.string())]).optional() }).strict();

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

/** Classes whose tier under `config` is below `personal`: what the KPI leaves out. */
export function notSensitiveClasses(config: Pick<Config, 'pii'>): string[] {
  const named = new Set([...PII_CLASSES, ...config.pii.custom_classes, ...Object.keys(config.pii.tiers)]);
  return [...named].filter((c) => !tierAtLeast(tierOf(c, config.pii.tiers), POLICY_TIER)).sort();
}

/** For `start`'s `registerApiRoutes(…, [...privacyRegisterApiRoutes(config)])`. */
export function privacyRegisterApiRoutes(config: Pick<Config, 'vendors' | 'pii'>): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/register',
      handler: async (req, store): Promise<RegisterAnswer> => {
        const window = windowOf(registerQuery.parse(req.query), REGISTER_DEFAULT_MS);
        const flows = await readRouteFlows(store, { sinceMs: window.fromMs, untilMs: window.toMs });
        return { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), ...buildRegister(flows, config) };
      },
    },
    {
      method: 'GET',
      path: '/api/register/flows',
      handler: async (req, store): Promise<FlowsAnswer> => {
        const q = flowsQuery.parse(req.query);
        const window = windowOf(q, REGISTER_DEFAULT_MS);
        const vendors = q.vendor === undefined ? undefined : typeof q.vendor === 'string' ? [q.vendor] : q.vendor;
        const flows = await readRouteFlows(store, { sinceMs: window.fromMs, untilMs: window.toMs, vendors });
        return { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), flows };
      },
    },
    {
      method: 'GET',
      path: '/api/pii-kpi',
      handler: async (req, store): Promise<KpiAnswer> => {
        const window = windowOf(registerQuery.parse(req.query), KPI_DEFAULT_MS);
        if (window.toMs - window.fromMs > KPI_MAX_DAYS * 86_400_000) throw new ConfigError(`at most ${KPI_MAX_DAYS} days per request`);
        const notSensitive = notSensitiveClasses(config);
        return { ...(await readPiiKpi(store, { ...window, notSensitive })), not_sensitive: notSensitive };
      },
    },
  ];
}

