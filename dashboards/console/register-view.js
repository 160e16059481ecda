// The privacy register views of the overview: vendors with their register entry next to what
// was observed (shadow integrations flagged), integrations by risk, the data-flow diagram that
// `egresswatch map --format svg` draws (served by /api/map, inserted inline), and the KPI of
// sensitive fields sent per day.
import { timeChart } from './charts.js';
import { badge, el, name } from './dom.js';
import { formatCount } from './model.js';
import { gapText, kpiRows, registerSummary, registerTotals, signed, tierText } from './register-model.js';

/** A risk score as a badge coloured by its band. */
export function riskBadge(risk, band) {
  return el('span', { class: `badge risk ${band}`, 'data-risk': risk, title: `risk ${risk} of 100 (${band}): sensitivity × (volume, location, register gaps); see README "Risk score"` }, `risk ${risk}`);
}

/**
 * @param {HTMLElement} box
 * @param {{ register: any | undefined, vendorHref: (v: string) => string }} input
 */
export function renderRegister(box, input) {
  const register = input.register;
  if (!register) return box.replaceChildren(el('p', { class: 'empty' }, 'This instance has no register API (/api/register).'));
  const totals = registerTotals(register);
  const vendors = register.vendors;
  if (vendors.length === 0) return box.replaceChildren(el('p', { class: 'empty' }, 'No vendor seen in this time range, and none in the register.'));
  const rows = vendors.map((v) =>
    el(
      'tr',
      { 'data-vendor': v.vendor, class: v.shadow ? 'shadow' : undefined },
      el('td', {}, v.observed ? el('a', { href: input.vendorHref(v.vendor), class: 'vendor-link' }, name(v.vendor)) : name(v.vendor)),
      el('td', {}, v.observed ? riskBadge(v.risk, v.risk_band) : el('span', { class: 'muted' }, 'no traffic')),
      el('td', {}, v.pii.length > 0 ? [tierText(v.tier), el('div', { class: 'muted' }, el('bdi', {}, v.pii.join(', ')))] : el('span', { class: 'muted' }, 'no PII')),
      el('td', { class: 'register-entry' }, v.shadow ? badge('shadow integration', 'shadow', 'seen on the wire, absent from the register (vendors.<id> in egresswatch.yaml)') : null, el('bdi', {}, registerSummary(v)), v.register?.purpose ? el('div', { class: 'muted' }, el('bdi', {}, String(v.register.purpose))) : null),
      el('td', {}, v.gaps.length > 0 ? badge(`policy check fails: ${gapText(v.gaps)}`, 'critical') : v.missing.length > 0 && v.registered ? el('span', { class: 'muted' }, `not recorded: ${v.missing.join(', ')}`) : null),
      el('td', { class: 'num' }, formatCount(v.calls)),
    ),
  );
  const integrations = register.integrations.map((i) =>
    el(
      'tr',
      { 'data-service': i.service, 'data-vendor': i.vendor },
      el('td', {}, name(i.service, 'service')),
      el('td', {}, name(i.vendor)),
      el('td', {}, riskBadge(i.risk, i.risk_band)),
      el('td', {}, i.pii.length > 0 ? [tierText(i.tier), ': ', el('bdi', {}, i.pii.join(', '))] : el('span', { class: 'muted' }, 'no PII')),
      el('td', { class: 'num' }, formatCount(i.calls)),
    ),
  );
  box.replaceChildren(
    el(
      'p',
      { class: 'meta', id: 'register-totals' },
      `${totals.vendors} vendor${totals.vendors === 1 ? '' : 's'} seen · `,
      el('strong', { class: totals.shadow > 0 ? 'error' : undefined }, `${totals.shadow} shadow integration${totals.shadow === 1 ? '' : 's'}`),
      ` · ${totals.failing} failing the register rule · highest integration risk ${totals.topRisk}`,
    ),
    el(
      'table',
      { class: 'register-table', id: 'register-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'vendor'), el('th', {}, 'risk'), el('th', {}, 'receives'), el('th', {}, 'register'), el('th', {}, 'gaps'), el('th', { class: 'num' }, 'calls'))),
      el('tbody', {}, rows),
    ),
    el(
      'details',
      { class: 'integrations' },
      el('summary', {}, `integrations by risk (${integrations.length} service → vendor)`),
      el(
        'table',
        { id: 'integrations-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'service'), el('th', {}, 'vendor'), el('th', {}, 'risk'), el('th', {}, 'sends'), el('th', { class: 'num' }, 'calls'))),
        el('tbody', {}, integrations),
      ),
    ),
  );
}

/** Element and attribute names the diagram may hold: it comes from our API, and is still filtered before it joins the page. */
const SVG_ELEMENTS = new Set(['svg', 'g', 'title', 'rect', 'text', 'path']);

function clean(node) {
  for (const child of [...node.children]) {
    if (!SVG_ELEMENTS.has(child.localName)) child.remove();
    else clean(child);
  }
  for (const attr of [...node.attributes]) if (/^on|href$/i.test(attr.name)) node.removeAttribute(attr.name);
}

/**
 * Inserts the diagram of `/api/map` (SVG text) into `box`.
 * @param {HTMLElement} box
 * @param {{ text: string, services: string[], vendors: string[] } | undefined} answer
 */
export function renderFlowMap(box, answer) {
  if (!answer) return box.replaceChildren(el('p', { class: 'empty' }, 'This instance has no map API (/api/map).'));
  const doc = new DOMParser().parseFromString(answer.text, 'image/svg+xml');
  if (doc.getElementsByTagName('parsererror').length > 0 || doc.documentElement.localName !== 'svg') {
    return box.replaceChildren(el('p', { class: 'error' }, 'The data-flow diagram could not be read.'));
  }
  clean(doc.documentElement);
  const svg = document.importNode(doc.documentElement, true);
  box.replaceChildren(svg);
  box.setAttribute('data-services', String(answer.services.length));
  box.setAttribute('data-vendors', String(answer.vendors.length));
}

let kpiChart;

/**
 * The KPI: distinct sensitive fields sent per day, all vendors and the five with most on the
 * last day as lines, and per vendor the first and last day with the change.
 * @param {HTMLElement} box
 * @param {any | undefined} kpi /api/pii-kpi
 */
export function renderKpi(box, kpi) {
  kpiChart?.destroy();
  kpiChart = undefined;
  if (!kpi) return box.replaceChildren(el('p', { class: 'empty' }, 'This instance has no KPI API (/api/pii-kpi).'));
  const rows = kpiRows(kpi);
  if (rows.length === 0 || rows.every((r) => r.peak === 0)) return box.replaceChildren(el('p', { class: 'empty', id: 'kpi-empty' }, 'No sensitive field sent to a vendor in these days.'));
  // Not `.chart`: that class names the vendor view's charts, and this one stays in the (hidden) overview.
  const chart = el('div', { class: 'kpi-chart', id: 'chart-pii-kpi' });
  const table = el(
    'table',
    { id: 'kpi-table' },
    el('thead', {}, el('tr', {}, el('th', {}, 'vendor'), el('th', { class: 'num' }, kpi.days[0]), el('th', { class: 'num' }, kpi.days[kpi.days.length - 1]), el('th', { class: 'num' }, 'change'))),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          { 'data-vendor': r.vendor ?? '' },
          el('td', {}, r.vendor === undefined ? el('strong', {}, 'all vendors') : name(r.vendor)),
          el('td', { class: 'num' }, String(r.first)),
          el('td', { class: 'num', 'data-last': r.last }, String(r.last)),
          el('td', { class: `num ${r.change > 0 ? 'error' : ''}` }, signed(r.change)),
        ),
      ),
    ),
  );
  box.replaceChildren(el('figure', { class: 'chart-box' }, el('figcaption', {}, 'Sensitive fields sent, per UTC day'), chart), table);
  const t = kpi.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const colors = ['--pii', '--warning', '--ok', '--info', '--muted'];
  const top = rows.slice(1, 6);
  kpiChart = timeChart(chart, {
    metric: 'pii-kpi',
    fromS: t[0],
    toS: t[t.length - 1] + 86_400,
    t,
    lines: [
      { label: 'all vendors', values: kpi.total, color: '--critical' },
      ...top.map((r, i) => ({ label: name(r.vendor), values: kpi.vendors.find((v) => v.vendor === r.vendor).fields, color: colors[i] })),
    ],
    format: (v) => (Number.isInteger(v) ? formatCount(v) : String(Number(v.toFixed(1)))),
    markers: [],
  });
}
