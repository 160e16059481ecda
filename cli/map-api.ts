import { z } from 'zod';
import type { Config } from '../common/config/index.js';
import { buildFlowMap } from '../common/register/flow-map.js';
import { renderFlowMapSvg } from '../common/register/flow-map-svg.js';
import { renderFlowMapDot, renderFlowMapMermaid } from '../common/register/flow-map-text.js';
import { buildRegister } from '../common/register/register-model.js';
import { readRouteFlows } from '../storage/register-queries.js';
import type { ApiRoute } from './api-routes.js';
import { REGISTER_DEFAULT_MS, windowOf, windowQuery } from './register-api.js';

export const MAP_FORMATS = ['mermaid', 'dot', 'svg'] as const;
export type MapFormat = (typeof MAP_FORMATS)[number];

const mapQuery = z.object({ ...windowQuery, format: z.enum(MAP_FORMATS).default('svg') }).strict();

/**
 * `GET /api/map`: the answer is JSON like every API route (the console's fetch helper and the
 * token check are shared); the diagram is its `text`.
 */
export interface MapAnswer {
  format: MapFormat;
  from: string;
  to: string;
  /** Names drawn, in diagram order: what a caller can check without parsing the picture. */
  services: string[];
  vendors: string[];
  text: string;
}

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
 * `GET /api/map?since=7d&format=svg` (or `from`/`to`): the data-flow diagram of `egresswatch map`
 * under this instance's config, which the console draws inline. For `start`'s
 * `registerApiRoutes(…, [...mapApiRoutes(config)])`.
 */
export function mapApiRoutes(config: Pick<Config, 'vendors' | 'pii'>): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/map',
      handler: async (req, store): Promise<MapAnswer> => {
        const q = mapQuery.parse(req.query);
        const window = windowOf(q, REGISTER_DEFAULT_MS);
        const flows = await readRouteFlows(store, { sinceMs: window.fromMs, untilMs: window.toMs });
        const map = buildFlowMap(buildRegister(flows, config), window);
        return { format: q.format, from: map.from, to: map.to, services: map.services.map((s) => s.name), vendors: map.vendors.map((v) => v.name), text: renderFlowMap(q.format, map) };
      },
    },
  ];
}
