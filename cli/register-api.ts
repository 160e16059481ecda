import type { Config } from '../common/config/index.js';
import { ConfigError } from '../common/errors.js';
import { POLICY_TIER, tierAtLeast, tierOf } from '../common/pii-tiers.js';
import { buildRegister } from '../common/register/register-model.js';
import { PII_CLASSES } from '../common/types.js';
import { KPI_MAX_DAYS, readPiiKpi, readRouteFlows } from '../storage/register-queries.js';
import { API } from './api-contract.js';
import { apiRoute, type ApiRoute } from './api-routes.js';

export type { FlowsAnswer, KpiAnswer, RegisterAnswer } from './api-contract.js';
import { apiTimeMs } from './api-time.js';
import { parseDurationMs } from './command.js';

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

/** Classes whose tier under `config` is below `personal`: what the KPI leaves out. */
export function notSensitiveClasses(config: Pick<Config, 'pii'>): string[] {
  const named = new Set([...PII_CLASSES, ...config.pii.custom_classes, ...Object.keys(config.pii.tiers)]);
  return [...named].filter((c) => !tierAtLeast(tierOf(c, config.pii.tiers), POLICY_TIER)).sort();
}

/** For `start`'s `registerApiRoutes(…, [...privacyRegisterApiRoutes(config)])`. */
export function privacyRegisterApiRoutes(config: Pick<Config, 'vendors' | 'pii'>): ApiRoute[] {
  return [
    apiRoute(API.register, async ({ query }, store) => {
      const window = windowOf(query, REGISTER_DEFAULT_MS);
      const flows = await readRouteFlows(store, { sinceMs: window.fromMs, untilMs: window.toMs });
      return { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), ...buildRegister(flows, config) };
    }),
    apiRoute(API.registerFlows, async ({ query: q }, store) => {
      const window = windowOf(q, REGISTER_DEFAULT_MS);
      const vendors = q.vendor === undefined ? undefined : typeof q.vendor === 'string' ? [q.vendor] : q.vendor;
      const flows = await readRouteFlows(store, { sinceMs: window.fromMs, untilMs: window.toMs, vendors });
      return { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), flows };
    }),
    apiRoute(API.piiKpi, async ({ query }, store) => {
      const window = windowOf(query, KPI_DEFAULT_MS);
      if (window.toMs - window.fromMs > KPI_MAX_DAYS * 86_400_000) throw new ConfigError(`at most ${KPI_MAX_DAYS} days per request`);
      const notSensitive = notSensitiveClasses(config);
      return { ...(await readPiiKpi(store, { ...window, notSensitive })), not_sensitive: notSensitive };
    }),
  ];
}
