/**
 * The data-flow diagram as SVG, with no external binary: a fixed two-layer layout (services in a
 * column on the left, vendors on the right, in flow-map.ts's order), edges as cubic curves whose
 * colour is the integration's risk band and whose width is its volume, labels placed along the
 * curve where they do not overlap an earlier one. The same model gives the same bytes: no
 * randomness, no clock, numbers to one decimal.
 *
 * Every name came from spans or config: it goes through `visibleText` (bidi overrides and
 * controls shown as escapes), characters XML 1.0 forbids are replaced the same way, and markup
 * characters become entities — in text and in attributes. No <style> or <script>: presentation
 * attributes only, so the console's CSP (`style-src 'self'`) allows the SVG inline.
 */
import { visibleText } from '../display-text.js';
import { edgeLabel, omittedText, type FlowMap, type MapEdge, type MapNode } from './flow-map.js';
import { RISK_BANDS, RISK_COLORS } from './risk-score.js';

const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const FONT_SIZE = 12;
/** Width of a character at 12 px, generous: labels are measured without a font engine. */
const CHAR_WIDTH = 7.2;
const LINE_HEIGHT = 16;
const PAD = 24;
const NODE_GAP = 18;
const MAX_NAME_CHARS = 40;
const MAX_DETAIL_CHARS = 48;
const MAX_EDGE_LABEL_CHARS = 56;

/** Characters XML 1.0 does not allow at all (besides those visibleText already escapes). */
const XML_FORBIDDEN = /[\uFFFE\uFFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text from spans or config, safe in XML character data and in quoted attribute values. */
export function xmlText(text: string): string {
  return visibleText(text)
    .replace(XML_FORBIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** At most `max` code points (never half a surrogate pair), with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const points = Array.from(visibleText(text));
  return points.length <= max ? points.join('') : `${points.slice(0, max - 1).join('')}…`;
}

const width = (text: string): number => Array.from(text).length * CHAR_WIDTH;
const n = (x: number): string => (Math.round(x * 10) / 10).toString();

interface Box {
  node: MapNode;
  x: number;
  y: number;
  w: number;
  h: number;
}

function nodeHeight(node: MapNode): number {
  return 12 + LINE_HEIGHT * (1 + node.details.length);
}

/** Lays one column out from `top`, centred on the taller column's height. */
function column(nodes: readonly MapNode[], x: number, w: number, top: number, height: number): Box[] {
  const total = nodes.reduce((a, node) => a + nodeHeight(node), 0) + NODE_GAP * Math.max(0, nodes.length - 1);
  let y = top + (height - total) / 2;
  return nodes.map((node) => {
    const box = { node, x, y, w, h: nodeHeight(node) };
    y += box.h + NODE_GAP;
    return box;
  });
}

function columnHeight(nodes: readonly MapNode[]): number {
  return nodes.reduce((a, node) => a + nodeHeight(node), 0) + NODE_GAP * Math.max(0, nodes.length - 1);
}

function columnWidth(nodes: readonly MapNode[]): number {
  const widest = Math.max(0, ...nodes.flatMap((node) => [width(clip(node.name, MAX_NAME_CHARS)) + 8, ...node.details.map((d) => width(clip(d, MAX_DETAIL_CHARS)))]));
  return Math.max(150, Math.ceil(widest + 20));
}

/** A point on the cubic from (x1, y1) to (x2, y2) with horizontal tangents at both ends. */
function curvePoint(x1: number, y1: number, x2: number, y2: number, t: number): { x: number; y: number } {
  const dx = (x2 - x1) / 2;
  const [p0, p1, p2, p3] = [
    [x1, y1],
    [x1 + dx, y1],
    [x2 - dx, y2],
    [x2, y2],
  ] as const;
  const u = 1 - t;
  const b = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t] as const;
  return { x: b[0] * p0[0] + b[1] * p1[0] + b[2] * p2[0] + b[3] * p3[0], y: b[0] * p0[1] + b[1] * p1[1] + b[2] * p2[1] + b[3] * p3[1] };
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
const overlaps = (a: Rect, b: Rect): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function nodeSvg(box: Box): string {
  const { node } = box;
  const color = RISK_COLORS[node.band];
  const title = [node.name, ...node.details, node.kind === 'vendor' ? `risk ${node.risk} (${node.band})` : `highest risk ${node.risk} (${node.band})`].map(xmlText).join('&#10;');
  const lines = node.details.map((d, i) => `<text x="${n(box.x + 10)}" y="${n(box.y + 12 + LINE_HEIGHT * (i + 2) - 4)}" font-size="11" fill="#4a5561">${xmlText(clip(d, MAX_DETAIL_CHARS))}</text>`);
  const border = node.shadow ? ` stroke-dasharray="6 4"` : '';
  return [
    `<g class="node ${node.kind}" data-kind="${node.kind}" data-name="${xmlText(node.name)}" data-risk="${node.risk}" data-tier="${node.tier}"${node.shadow ? ' data-shadow="true"' : ''}>`,
    `<title>${title}</title>`,
    `<rect x="${n(box.x)}" y="${n(box.y)}" width="${n(box.w)}" height="${n(box.h)}" rx="6" fill="#ffffff" stroke="${node.shadow ? RISK_COLORS.critical : '#6b7785'}" stroke-width="1.5"${border}/>`,
    `<rect x="${n(box.x)}" y="${n(box.y)}" width="5" height="${n(box.h)}" rx="2" fill="${color}"/>`,
    `<text class="label" x="${n(box.x + 10)}" y="${n(box.y + 12 + LINE_HEIGHT - 4)}" font-size="${FONT_SIZE}" font-weight="600" fill="#1d2630">${xmlText(clip(node.name, MAX_NAME_CHARS))}</text>`,
    ...lines,
    '</g>',
  ].join('');
}

function legendSvg(x: number, y: number): string {
  const items = RISK_BANDS.map((band, i) => {
    const bx = x + i * 110;
    return `<rect x="${n(bx)}" y="${n(y - 9)}" width="22" height="4" fill="${RISK_COLORS[band]}"/><text x="${n(bx + 28)}" y="${n(y - 4)}" font-size="11" fill="#4a5561">${band === 'none' ? 'no PII' : `${band} risk`}</text>`;
  });
  const shadowX = x + RISK_BANDS.length * 110;
  return `<g class="legend">${items.join('')}<rect x="${n(shadowX)}" y="${n(y - 14)}" width="22" height="14" rx="3" fill="#ffffff" stroke="${RISK_COLORS.critical}" stroke-dasharray="6 4"/><text x="${n(shadowX + 28)}" y="${n(y - 4)}" font-size="11" fill="#4a5561">not in the register (shadow integration)</text></g>`;
}

/** The diagram as a standalone SVG document (UTF-8). */
export function renderFlowMapSvg(map: FlowMap): string {
  const serviceW = columnWidth(map.services);
  const vendorW = columnWidth(map.vendors);
  const labels = map.edges.map((e) => clip(edgeLabel(e), MAX_EDGE_LABEL_CHARS));
  const gap = Math.min(460, Math.max(220, Math.ceil(Math.max(0, ...labels.map(width)) + 60)));
  const top = PAD + 30;
  const height = Math.max(nodeHeightOrEmpty(map.services), nodeHeightOrEmpty(map.vendors));
  const services = column(map.services, PAD, serviceW, top, height);
  const vendors = column(map.vendors, PAD + serviceW + gap, vendorW, top, height);
  const totalW = Math.max(PAD * 2 + serviceW + gap + vendorW, 900);
  const omitted = omittedText(map);
  const noteH = omitted === '' ? 0 : 22;
  const totalH = top + height + PAD + 34 + noteH;
  const at = new Map([...services, ...vendors].map((b) => [b.node.id, b]));

  const placed: Rect[] = [];
  const edges: string[] = [];
  const edgeLabels: string[] = [];
  map.edges.forEach((edge: MapEdge, i) => {
    const a = at.get(edge.from);
    const b = at.get(edge.to);
    if (!a || !b) return;
    const x1 = a.x + a.w;
    const y1 = a.y + a.h / 2;
    const x2 = b.x;
    const y2 = b.y + b.h / 2;
    const dx = (x2 - x1) / 2;
    const color = RISK_COLORS[edge.band];
    const strokeWidth = 1.5 + 4.5 * edge.volume;
    const title = xmlText(`${map.services.find((s) => s.id === edge.from)?.name ?? ''} → ${map.vendors.find((v) => v.id === edge.to)?.name ?? ''}: ${edgeLabel(edge)}; ${edge.calls} calls; risk ${edge.risk} (${edge.band})`);
    edges.push(
      `<path class="edge" data-from="${edge.from}" data-to="${edge.to}" data-risk="${edge.risk}" d="M${n(x1)} ${n(y1)} C${n(x1 + dx)} ${n(y1)} ${n(x2 - dx)} ${n(y2)} ${n(x2)} ${n(y2)}" fill="none" stroke="${color}" stroke-width="${n(strokeWidth)}" stroke-opacity="0.85"><title>${title}</title></path>`,
    );
    const label = labels[i]!;
    const w = width(label) + 8;
    const h = 16;
    let spot = curvePoint(x1, y1, x2, y2, 0.5);
    for (const t of [0.5, 0.38, 0.62, 0.3, 0.7, 0.44, 0.56]) {
      const p = curvePoint(x1, y1, x2, y2, t);
      if (!placed.some((r) => overlaps(r, { x: p.x - w / 2, y: p.y - h / 2, w, h }))) {
        spot = p;
        break;
      }
    }
    placed.push({ x: spot.x - w / 2, y: spot.y - h / 2, w, h });
    edgeLabels.push(
      `<g class="edge-label" data-from="${edge.from}" data-to="${edge.to}"><rect x="${n(spot.x - w / 2)}" y="${n(spot.y - h / 2)}" width="${n(w)}" height="${h}" rx="3" fill="#ffffff" fill-opacity="0.9" stroke="${color}" stroke-width="0.8"/><text x="${n(spot.x)}" y="${n(spot.y + 4)}" font-size="11" text-anchor="middle" fill="#1d2630">${xmlText(label)}</text></g>`,
    );
  });

  const drawn = map.omitted.vendors === 0 ? `${map.vendors.length} vendors` : `${map.vendors.length} of ${(map.vendors.length + map.omitted.vendors).toLocaleString('en-US')} vendors`;
  const heading = `egresswatch data flows · ${map.from.slice(0, 16).replace('T', ' ')} – ${map.to.slice(0, 16).replace('T', ' ')} UTC · ${map.services.length} services → ${drawn}`;
  const note = omitted === '' ? '' : `<text class="omitted" x="${PAD}" y="${n(top + height + 22)}" font-size="12" fill="#1d2630">${xmlText(omitted)}</text>\n`;
  const empty = map.services.length === 0 ? `<text x="${PAD}" y="${top + 20}" font-size="${FONT_SIZE}" fill="#4a5561">no egress in this window</text>` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<svg xmlns="http://www.w3.org/2000/svg" class="flow-map" width="${totalW}" height="${n(totalH)}" viewBox="0 0 ${totalW} ${n(totalH)}" role="img" aria-label="${xmlText(heading)}" font-family="${FONT}" font-size="${FONT_SIZE}" data-services="${map.services.length}" data-vendors="${map.vendors.length}" data-omitted-vendors="${map.omitted.vendors}">\n`,
    `<title>${xmlText(heading)}</title>\n`,
    `<rect width="100%" height="100%" fill="#fbfcfd"/>\n`,
    `<text x="${PAD}" y="${PAD + 4}" font-size="13" font-weight="600" fill="#1d2630">${xmlText(heading)}</text>\n`,
    `<text x="${PAD}" y="${top - 8}" font-size="11" fill="#4a5561">services</text><text x="${n(PAD + serviceW + gap)}" y="${top - 8}" font-size="11" fill="#4a5561">vendors</text>\n`,
    `<g class="edges">${edges.join('\n')}</g>\n`,
    `<g class="nodes">${[...services, ...vendors].map(nodeSvg).join('\n')}</g>\n`,
    `<g class="edge-labels">${edgeLabels.join('\n')}</g>\n`,
    empty,
    note,
    legendSvg(PAD, totalH - PAD + 8),
    '\n</svg>\n',
  ].join('');
}

function nodeHeightOrEmpty(nodes: readonly MapNode[]): number {
  return nodes.length === 0 ? 40 : columnHeight(nodes);
}
