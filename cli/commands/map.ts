import { ConfigError } from '../../common/errors.js';
import { buildFlowMap, MAP_MAX_VENDORS } from '../../common/register/flow-map.js';
import { buildRegister } from '../../common/register/register-model.js';
import { closest } from '../../common/text.js';
import { defineCommand, intFlag, stringFlag } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { countOf } from '../count-text.js';
import { MAP_FORMATS, renderFlowMap, type MapFormat } from '../map-api.js';
import { fetchRouteFlows, windowFromArgs, windowOptions, writeOutput } from '../register-flows.js';

/**
 * `egresswatch map`: the data-flow diagram, services → vendors, edges labelled with the PII
 * classes sent and their tier and coloured by risk, vendors with their legal basis and DPA.
 * Mermaid by default (it renders in pull requests and wikis), Graphviz DOT, or SVG drawn here
 * (no Graphviz needed) — the picture the console shows.
 */
export const mapCommand = defineCommand({
  name: 'map',
  summary: 'data-flow diagram: services → vendors with PII classes, tier, risk and legal basis (Mermaid, DOT or SVG)',
  usage: `[--format mermaid|dot|svg] [--since 7d | --from T --to T] [--max-vendors N (default ${MAP_MAX_VENDORS}, 0 = all)] [--out FILE] [--config FILE]`,
  options: { ...configOption, ...windowOptions, format: { type: 'string' }, 'max-vendors': { type: 'string' }, out: { type: 'string' } },
  async run(args) {
    const config = configFromArgs(args);
    const raw = stringFlag(args, 'format') ?? 'mermaid';
    if (!(MAP_FORMATS as readonly string[]).includes(raw)) {
      const hint = closest(raw, MAP_FORMATS);
      throw new ConfigError(`--format: unknown format '${raw}'${hint ? ` — did you mean '${hint}'?` : ''} (formats: ${MAP_FORMATS.join(', ')})`);
    }
    const window = windowFromArgs(args, '7d');
    const flows = await fetchRouteFlows(config, window);
    const max = intFlag(args, 'max-vendors', 0, 1_000_000) ?? MAP_MAX_VENDORS;
    const map = buildFlowMap(buildRegister(flows, config), window, { maxVendors: max === 0 ? Infinity : max });
    const left = map.omitted.vendors > 0 ? ` (${map.omitted.vendors.toLocaleString('en-US')} more not drawn: --max-vendors 0 draws all)` : '';
    writeOutput(renderFlowMap(raw as MapFormat, map), stringFlag(args, 'out'), `${countOf(map.services.length, 'service')}, ${countOf(map.vendors.length, 'vendor')}${left}`);
    return 0;
  },
});
