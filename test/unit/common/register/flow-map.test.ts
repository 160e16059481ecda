import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../common/config/index.js';
import { buildFlowMap } from '../../../../common/register/flow-map.js';
import { clip, renderFlowMapSvg } from '../../../../common/register/flow-map-svg.js';
import { renderFlowMapDot, renderFlowMapMermaid } from '../../../../common/register/flow-map-text.js';
import { buildRegister } from '../../../../common/register/register-model.js';
import { FLOWS, REGISTER, flow, sent } from './flows-fixture.js';
import { findAll, parseXml, textOf } from '../../../helpers/xml-check.js';

const WINDOW = { fromMs: Date.parse('2026-11-16T10:00:00Z'), toMs: Date.parse('2026-11-23T10:00:00Z') };
const config = parseConfig({ vendors: REGISTER });
const map = buildFlowMap(buildRegister(FLOWS, config), WINDOW);

// Names as they reach the store from someone who can send spans: markup, quotes, entities,
// Mermaid and DOT syntax, a bidi override, a non-character XML forbids.
const HOSTILE_SERVICE = 'svc"><script>alert(1)</script>&amp;';
const HOSTILE_VENDOR = 'evil.example"] --> x[pwned]; s0 -> v0 [label="owned"] \u202egpj.exe \uFFFE';
const HOSTILE_FIELD = "a|b</text><text>injected' & \\N";

describe('data-flow diagram: model', () => {
  it('puts every service and vendor seen in it, each vendor beside its callers, edges labelled with classes and tier', () => {
    expect(map.services.map((s) => s.name).sort()).toEqual(['billing', 'checkout', 'reports', 'signup']);
    expect(map.vendors.map((v) => v.name).sort()).toEqual(['acme-crm', 'openai', 'stripe', 'twilio']);
    const edge = (s: string, v: string) => map.edges.find((e) => e.from === map.services.find((x) => x.name === s)!.id && e.to === map.vendors.find((x) => x.name === v)!.id);
    expect(edge('checkout', 'stripe')).toMatchObject({ pii: ['card', 'email'], tier: 'special_category', band: 'high' });
    expect(edge('signup', 'acme-crm')).toMatchObject({ pii: ['email', 'person_name'], tier: 'personal' });
    expect(map.vendors.find((v) => v.name === 'stripe')).toMatchObject({ details: ['basis: contract · DPA signed 2025-01-15', 'owner: payments-team · EU · no transfer'], shadow: false });
    expect(map.vendors.find((v) => v.name === 'twilio')?.details[0]).toBe('basis: legitimate interests · DPA missing');
    expect(map.vendors.find((v) => v.name === 'acme-crm')).toMatchObject({ details: ['not in the register'], shadow: true });
    // Barycentre order: acme-crm sits between billing and signup, twilio next to signup.
    const pos = (name: string) => [...map.services, ...map.vendors].find((n) => n.name === name)!.id;
    expect(Math.abs(Number(pos('signup').slice(1)) - Number(pos('twilio').slice(1)))).toBeLessThanOrEqual(1);
  });
});

describe('data-flow diagram: SVG', () => {
  const svg = renderFlowMapSvg(map);

  it('is well-formed XML with every service and vendor as a node label, and the same bytes every time', () => {
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attrs['xmlns']).toBe('http://www.w3.org/2000/svg');
    const labels = findAll(root, 'text').filter((t) => t.attrs['class'] === 'label').map(textOf);
    expect(labels.sort()).toEqual(['acme-crm', 'billing', 'checkout', 'openai', 'reports', 'signup', 'stripe', 'twilio']);
    expect(findAll(root, 'path').filter((p) => p.attrs['class'] === 'edge')).toHaveLength(map.edges.length);
    expect(renderFlowMapSvg(buildFlowMap(buildRegister([...FLOWS].reverse(), config), WINDOW))).toBe(svg);
    // No <style> or <script>: the console's CSP allows it inline.
    expect(svg).not.toMatch(/<(style|script|foreignObject)\b/);
  });

  it('colours edges by risk band and marks shadow vendors', () => {
    const root = parseXml(svg);
    const nodes = findAll(root, 'g').filter((g) => g.attrs['data-kind'] === 'vendor');
    expect(nodes.filter((g) => g.attrs['data-shadow'] === 'true').map((g) => g.attrs['data-name']).sort()).toEqual(['acme-crm', 'openai']);
    const stripeEdge = findAll(root, 'path').find((p) => p.attrs['data-to'] === map.vendors.find((v) => v.name === 'stripe')!.id)!;
    expect(stripeEdge.attrs['stroke']).toBe('#e65100');
  });

  it('keeps hostile names as text: no element, attribute or entity of theirs', () => {
    const hostile = buildFlowMap(buildRegister([flow(HOSTILE_SERVICE, HOSTILE_VENDOR, '/x', 10, [sent(HOSTILE_FIELD, 'email')])], parseConfig({})), WINDOW);
    const text = renderFlowMapSvg(hostile);
    const root = parseXml(text);
    expect(findAll(root, 'script')).toEqual([]);
    expect(new Set(findAll(root, 'text').map((t) => t.children.length))).toEqual(new Set([1]));
    const labels = findAll(root, 'text').filter((t) => t.attrs['class'] === 'label').map(textOf);
    expect(labels).toContain(HOSTILE_SERVICE);
    // The bidi override and the non-character show as escapes; the rest reads as written.
    expect(labels).toContain(clip(HOSTILE_VENDOR, 40));
    expect(clip(HOSTILE_VENDOR, 40)).toBe('evil.example"] --> x[pwned]; s0 -> v0 […');
    expect(findAll(root, 'g').find((g) => g.attrs['data-kind'] === 'vendor')!.attrs['data-name']).toBe('evil.example"] --> x[pwned]; s0 -> v0 [label="owned"] \\u202egpj.exe \\ufffe');
  });

  it('draws an empty window as a valid document that says so', () => {
    const empty = renderFlowMapSvg(buildFlowMap(buildRegister([], config), WINDOW));
    expect(textOf(parseXml(empty))).toContain('no egress in this window');
  });
});

describe('data-flow diagram: Mermaid and DOT', () => {
  const hostile = buildFlowMap(buildRegister([...FLOWS, flow(HOSTILE_SERVICE, HOSTILE_VENDOR, '/x', 10, [sent('e', 'email')])], config), WINDOW);

  it('Mermaid: one edge line and one style per integration, names only inside escaped labels', () => {
    const text = renderFlowMapMermaid(hostile);
    expect(text.startsWith('flowchart LR\n')).toBe(true);
    const edges = text.split('\n').filter((l) => l.includes('-->'));
    expect(edges).toHaveLength(hostile.edges.length);
    for (const line of edges) expect(line).toMatch(/^ {2}s\d+ -->\|"[^"|]*"\| v\d+$/);
    expect(text.split('\n').filter((l) => l.startsWith('  linkStyle'))).toHaveLength(hostile.edges.length);
    const nodeLines = text.split('\n').filter((l) => /^ {4}[sv]\d+\[/.test(l));
    expect(nodeLines).toHaveLength(hostile.services.length + hostile.vendors.length);
    for (const line of nodeLines) expect(line).toMatch(/^ {4}[sv]\d+(\["[^"]*"\]|\[\("[^"]*"\)\])$/);
    expect(text).toContain('svc#34;#62;#60;script#62;alert(1)#60;/script#62;#38;amp#59;');
    expect(text).toContain('class ');
    expect(text).toMatch(/classDef shadow/);
  });

  it('DOT: quoted labels with quotes and backslashes escaped, one edge statement per integration', () => {
    const text = renderFlowMapDot(hostile);
    expect(text.split('\n').filter((l) => / -> /.test(l) && /^ {2}s\d+ -> v\d+ \[/.test(l))).toHaveLength(hostile.edges.length);
    // Every quoted string closes where the escaping says it does: remove escaped characters, then count quotes.
    for (const line of text.split('\n')) expect((line.replace(/\\./g, '').match(/"/g) ?? []).length % 2).toBe(0);
    expect(text).toContain('evil.example\\"] --> x[pwned]; s0 -> v0 [label=\\"owned\\"] \\\\u202egpj.exe');
  });
});
