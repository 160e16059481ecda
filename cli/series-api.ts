import type { Config } from '../common/config/index.js';
import { ConfigError } from '../common/errors.js';
import { alertLinks } from '../alerts/links.js';
import { readVendorSeries, SERIES_MAX_VENDORS } from '../storage/series-queries.js';
import { API } from './api-contract.js';
import { apiRoute, type ApiRoute } from './api-routes.js';
import { apiTimeMs } from './api-time.js';
import { parseDurationMs } from './command.js';

export type { SeriesAnswer, VendorSeriesView } from './api-contract.js';

/** The range when a request names none: the console's default view. */
const DEFAULT_RANGE_MS = 24 * 3_600_000;

/**
 * `GET /api/series?vendor=…&from=…&to=…&step=…`: per-vendor calls, errors, request/response
 * bytes and p95 latency over time, at most 500 buckets per vendor and 50 vendors per request
 * (storage/series-queries.ts). `from`/`to` take epoch ms, RFC 3339 or `now-2h`; default the last
 * 24 h. For `start`'s `registerApiRoutes(…, [...seriesApiRoutes(config)])`.
 */
export function seriesApiRoutes(config: Pick<Config, 'alerts' | 'vendors' | 'collector'>): ApiRoute[] {
  const links = alertLinks(config);
  return [
    apiRoute(API.series, async ({ query: q }, store) => {
      const vendors = typeof q.vendor === 'string' ? [q.vendor] : q.vendor;
      if (vendors.length > SERIES_MAX_VENDORS) throw new ConfigError(`vendor: at most ${SERIES_MAX_VENDORS} vendors per request (got ${vendors.length}); ask in pages`);
      const now = Date.now();
      const toMs = q.to ? apiTimeMs(q.to, 'to', now) : now;
      const fromMs = q.from ? apiTimeMs(q.from, 'from', now) : toMs - DEFAULT_RANGE_MS;
      if (!(fromMs < toMs)) throw new ConfigError(`from must be before to (from ${new Date(fromMs).toISOString()}, to ${new Date(toMs).toISOString()})`);
      const stepSeconds = q.step === undefined ? undefined : /^\d+$/.test(q.step) ? Number(q.step) : parseDurationMs(q.step, 'step') / 1000;
      const result = await readVendorSeries(store, { vendors, fromMs, toMs, stepSeconds });
      return {
        from: new Date(result.fromMs).toISOString(),
        to: new Date(result.toMs).toISOString(),
        step_seconds: result.stepSeconds,
        series: result.series.map((s) => {
          // The vendor-wide view of the dashboard: its service variable on "All".
          const dashboard = links.dashboardUrl(s.vendor, '$__all');
          return dashboard ? { ...s, dashboard_url: dashboard } : s;
        }),
      };
    }),
  ];
}
