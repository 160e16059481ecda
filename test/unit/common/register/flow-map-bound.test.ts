import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../common/config/index.js';
import { buildFlowMap, MAP_MAX_VENDORS } from '../../../../common/register/flow-map.js';
import { renderFlowMapSvg } from '../../../../common/register/flow-map-svg.js';
import { renderFlowMapDot, renderFlowMapMermaid } from '../../../../common/register/flow-map-text.js';
import { buildRegister } from '../../../../common/register/register-model.js';
import type { RouteFlow } from '../../../../common/register/route-flow.js';
import { flow, sent } from './flows-fixture.js';
import { findAll, parseXml, textOf } from '../../../helpers/xml-check.js';

const WINDOW = { fromMs: Date.parse('2026-11-16T10:00:00Z'), toMs: Date.parse('2026-11-23T10:00:00Z') };
const HOSTILE = 'evil"><script>alert(1)</script>&amp;\u202e';

/**
 * 2,000 vendors no one registered: `busy-NNNN` receive no PII and are called NNNN+1 times (the
 * busiest, busy-1999, has the hostile name), five `quiet-N` are called twice and receive card
 * numbers, and `lonely` calls only the least called vendor.
 */
function manyVendors(): RouteFlow[] {
  const flows: RouteFlow[] = [];
  for (let i = 0; i < 1995; i++) flows.push(flow(`svc-${i % 8}`, i === 1994 ? HOSTILE : `busy-${String(i).padStart(4, '0')}`, '/v1', i + 1, [sent('id')]));
  for (let i = 0; i < 5; i++) flows.push(flow('payments', `quiet-${i}`, '/v1', 2, [sent('card.number', 'card')]));
  flows.push(flow('lonely', 'busy-0000', '/v1', 1, [sent('id')]));
  return flows;
}

describe('data-flow diagram of 2,000 vendors', () => {
  const model = buildRegister(manyVendors(), parseConfig({}));
  const map = buildFlowMap(model, WINDOW);
  const svg = renderFlowMapSvg(map);

  it(`draws the ${MAP_MAX_VENDORS} with most risk, then most calls: every vendor receiving card numbers, then the busiest`, () => {
    expect(map.vendors).toHaveLength(MAP_MAX_VENDORS);
    const drawn = map.vendors.map((v) => v.name);
    const busiest = Array.from({ length: MAP_MAX_VENDORS - 6 }, (_, k) => `busy-${String(1993 - k).padStart(4, '0')}`);
    expect(drawn.sort()).toEqual([...busiest, HOSTILE, 'quiet-0', 'quiet-1', 'quiet-2', 'quiet-3', 'quiet-4'].sort());
    expect(map.omitted).toEqual({ vendors: 2000 - MAP_MAX_VENDORS, services: 1 });
    expect(map.services.map((s) => s.name)).not.toContain('lonely');
    // Every edge drawn joins two drawn nodes.
    const ids = new Set([...map.services, ...map.vendors].map((n) => n.id));
    for (const e of map.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
  });

  it('stays a picture: bounded size, and it says how many vendors it left out and where to find them', () => {
    const all = renderFlowMapSvg(buildFlowMap(model, WINDOW, { maxVendors: Infinity }));
    expect(all.length).toBeGreaterThan(2_000_000);
    expect(svg.length).toBeLessThan(200_000);
    const root = parseXml(svg);
    expect(root.attrs['data-omitted-vendors']).toBe('1900');
    const note = findAll(root, 'text').find((t) => t.attrs['class'] === 'omitted');
    expect(note && textOf(note)).toBe('and 1,900 more vendors (with 1 service that calls only them) with lower risk or fewer calls, not drawn: egresswatch vendors --json lists every vendor');
    expect(textOf(findAll(root, 'title')[0]!)).toContain('→ 100 of 2,000 vendors');
  });

  it('keeps the drawn vendors’ hostile names as text', () => {
    const root = parseXml(svg);
    expect(findAll(root, 'script')).toEqual([]);
    const names = findAll(root, 'g').filter((g) => g.attrs['data-kind'] === 'vendor').map((g) => g.attrs['data-name']);
    expect(names).toContain('evil"><script>alert(1)</script>&amp;\\u202e');
  });

  it('Mermaid and DOT say the same; a map within the bound says nothing', () => {
    expect(renderFlowMapMermaid(map)).toContain('  %% and 1,900 more vendors');
    expect(renderFlowMapDot(map)).toContain('\\nand 1,900 more vendors');
    const small = buildFlowMap(model, WINDOW, { maxVendors: 5000 });
    expect(small.omitted).toEqual({ vendors: 0, services: 0 });
    expect(renderFlowMapSvg(small)).not.toContain('more vendors');
  });
});
