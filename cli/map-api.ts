import type { Config } from '../common/config/index.js';
import { buildFlowMap, omittedText } from '../common/register/flow-map.js';
import { renderFlowMapSvg } from '../common/register/flow-map-svg.js';
import { renderFlowMapDot, renderFlowMapMermaid } from '../common/register/flow-map-text.js';
import { buildRegister } from '../common/register/register-model.js';
import { readRouteFlows } from '../storage/register-queries.js';
import { API, type MapFormat } from './api-contract.js';
import { apiRoute, type ApiRoute } from './api-routes.js';
import { REGISTER_DEFAULT_MS, windowOf } from './register-api.js';

export { MAP_FORMATS, type MapAnswer, type MapFormat } from './api-contract.js';

/** The diagram text of a flow map in one format. */
export function renderFlowMap(format: MapFormat, map: ReturnType<typeof buildFlowMap>): string {
  switch (format) {
    case 'svg':
      return renderFlowMapSvg(map);
    case 'mermaid':
      return renderFlowMapMermaid(map);
    case 'dot':
      return renderFlowMapDot(map);
  }
}

/**
 * `GET /api/map?since=7d&format=svg&max_vendors=100` (or `from`/`to`): the data-flow diagram of
 * `egresswatch map` under this instance's config, which the console draws inline; at most
 * `max_vendors` vendors (default MAP_MAX_VENDORS), the rest counted in the answer and the
 * picture. For `start`'s `registerApiRoutes(…, [...mapApiRoutes(config)])`.
 */
export function mapApiRoutes(config: Pick<Config, 'vendors' | 'pii'>): ApiRoute[] {
  return [
    apiRoute(API.map, async ({ query: q }, store) => {
      const window = windowOf(q, REGISTER_DEFAULT_MS);
      const flows = await readRouteFlows(store, { sinceMs: window.fromMs, untilMs: window.toMs });
      const map = buildFlowMap(buildRegister(flows, config), window, { maxVendors: q.max_vendors });
      return {
        format: q.format,
        from: map.from,
        to: map.to,
        services: map.services.map((s) => s.name),
        vendors: map.vendors.map((v) => v.name),
        omitted_vendors: map.omitted.vendors,
        omitted_services: map.omitted.services,
        note: omittedText(map),
        text: renderFlowMap(q.format, map),
      };
    }),
  ];
}
