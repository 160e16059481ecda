/**
 * The data-flow diagram as text for other tools: Mermaid (renders in GitHub, GitLab and most
 * wikis) and Graphviz DOT. Node ids are generated (`s0`, `v1`), names only ever appear inside
 * quoted labels, escaped for each syntax, so a hostile service or vendor name cannot add nodes,
 * edges, styles or links.
 */
import { visibleText } from '../display-text.js';
import { edgeLabel, omittedText, type FlowMap, type MapNode } from './flow-map.js';
import { RISK_COLORS } from './risk-score.js';

/**
 * Mermaid label text: letters, digits and a few punctuation marks as they are; everything else
 * (quotes, brackets, `#`, `;`, `<`, `|`, backticks…) as Mermaid's `#<code point>;` entity.
 */
export function mermaidText(text: string): string {
  return Array.from(visibleText(text))
    .map((c) => (/^[\p{L}\p{N} _.,:/()+=@*?!'·→-]$/u.test(c) ? c : `#${c.codePointAt(0)};`))
    .join('');
}

/** DOT quoted-string text: backslash and quote escaped (so `\N`, `\l` and friends stay literal). */
export function dotText(text: string): string {
  return visibleText(text).replace(/[\\"]/g, (c) => `\\${c}`);
}

const width = (volume: number): string => (1.5 + 4.5 * volume).toFixed(1);

function mermaidNode(node: MapNode): string {
  const label = [node.name, ...node.details].map(mermaidText).join('<br/>');
  return node.kind === 'service' ? `    ${node.id}["${label}"]` : `    ${node.id}[("${label}")]`;
}

/** `flowchart LR`: services and vendors in two subgraphs, edges coloured per risk band. */
export function renderFlowMapMermaid(map: FlowMap): string {
  const lines = [
    'flowchart LR',
    `  %% egresswatch data flows ${map.from} – ${map.to}: edge colour = risk band, width = volume, dashed vendor = not in the register`,
    // Our own words and counts, no span text: safe in a comment as they are.
    ...(map.omitted.vendors > 0 ? [`  %% ${omittedText(map)}`] : []),
    '  subgraph services [Services]',
    ...map.services.map(mermaidNode),
    '  end',
    '  subgraph vendors [Vendors]',
    ...map.vendors.map(mermaidNode),
    '  end',
  ];
  map.edges.forEach((e) => lines.push(`  ${e.from} -->|"${mermaidText(edgeLabel(e))}"| ${e.to}`));
  map.edges.forEach((e, i) => lines.push(`  linkStyle ${i} stroke:${RISK_COLORS[e.band]},stroke-width:${width(e.volume)}px`));
  const shadow = map.vendors.filter((v) => v.shadow).map((v) => v.id);
  if (shadow.length > 0) {
    lines.push(`  classDef shadow stroke:${RISK_COLORS.critical},stroke-width:2px,stroke-dasharray:6 4`);
    lines.push(`  class ${shadow.join(',')} shadow`);
  }
  return lines.join('\n') + '\n';
}

/** Graphviz: `dot -Tsvg` or `-Tpng` draws it; left to right like the SVG. */
export function renderFlowMapDot(map: FlowMap): string {
  const node = (n: MapNode): string => {
    const label = [n.name, ...n.details].map(dotText).join('\\n');
    const style = n.kind === 'vendor' ? (n.shadow ? 'rounded,dashed,bold' : 'rounded,bold') : 'rounded';
    return `    ${n.id} [label="${label}", style="${style}", color="${n.shadow ? RISK_COLORS.critical : RISK_COLORS[n.band]}"];`;
  };
  return [
    'digraph egresswatch {',
    `  label="${[`egresswatch data flows ${map.from} – ${map.to}`, omittedText(map)].filter((l) => l !== '').map(dotText).join('\\n')}";`,
    '  labelloc=t;',
    '  rankdir=LR;',
    '  node [shape=box, fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=10];',
    '  subgraph cluster_services {',
    '    label="services"; color="#dde1e7";',
    ...map.services.map(node),
    '  }',
    '  subgraph cluster_vendors {',
    '    label="vendors"; color="#dde1e7";',
    ...map.vendors.map(node),
    '  }',
    ...map.edges.map((e) => `  ${e.from} -> ${e.to} [label="${dotText(edgeLabel(e))}", color="${RISK_COLORS[e.band]}", fontcolor="${RISK_COLORS[e.band]}", penwidth=${width(e.volume)}];`),
    '}',
    '',
  ].join('\n');
}
