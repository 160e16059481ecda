// One vendor over the time range: charts of calls, request/response bytes, errors and p95 latency
// with the alerts marked on them, the values as a table, the vendor's alerts and its data map.
import { renderFiring, renderHistory } from './alerts-view.js';
import { timeChart } from './charts.js';
import { el, name, outLink, timeEl } from './dom.js';
import { dataMap, vendorPiiBadges } from './inventory-view.js';
import { alertMarkers, formatBytes, formatCount, safeHttpUrl, seriesTotals, withGrafanaRange } from './model.js';

/** Counts, and the fractional ticks an axis may put between them (0.5 errors is a tick, not a value). */
const count = (v) => (Number.isInteger(v) ? formatCount(v) : String(Number(v.toFixed(2))));

const CHARTS = [
  { metric: 'calls', title: 'Calls', lines: [{ key: 'calls', label: 'calls', color: '--accent' }], format: count },
  {
    metric: 'bytes',
    title: 'Bytes',
    lines: [
      { key: 'request_bytes', label: 'request bytes', color: '--accent' },
      { key: 'response_bytes', label: 'response bytes', color: '--pii' },
    ],
    format: (v) => formatBytes(Math.round(v)),
  },
  { metric: 'errors', title: 'Errors (transport, 5xx, 429)', lines: [{ key: 'errors', label: 'errors', color: '--critical' }], format: count },
  { metric: 'p95', title: 'p95 latency', lines: [{ key: 'p95_ms', label: 'p95 ms', color: '--warning' }], format: (v) => `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ms` },
];

const COLUMNS = [
  ['calls', 'calls'],
  ['errors', 'errors'],
  ['request_bytes', 'request bytes'],
  ['response_bytes', 'response bytes'],
  ['p95_ms', 'p95 ms'],
];

function valuesTable(series, stepSeconds) {
  const head = el('tr', {}, el('th', {}, 'bucket start'), COLUMNS.map(([, label]) => el('th', { class: 'num' }, label)));
  const rows = series.t.map((t, i) =>
    el('tr', { 'data-t': t }, el('td', {}, timeEl(t * 1000)), COLUMNS.map(([key]) => el('td', { class: 'num', 'data-metric': key }, series[key][i] === null ? '' : String(series[key][i])))),
  );
  return el(
    'details',
    { class: 'series-values' },
    el('summary', {}, `values as a table (${series.t.length} buckets of ${stepSeconds / 60} min)`),
    el('table', { class: 'series-table', 'data-step-seconds': stepSeconds }, el('thead', {}, head), el('tbody', {}, rows)),
  );
}

/**
 * Renders the vendor view into `main` and draws its charts; returns the charts, to destroy
 * before the next render.
 * @param {HTMLElement} main
 * @param {{
 *   vendor: string, answer: any, alerts: any[], alertsAvailable: boolean, silences: any[],
 *   inventory: any | undefined, shownRoutes: any[], index: any, bounds: { fromMs: number, toMs: number },
 *   backHref: string, vendorHref: (v: string) => string, onSilence: (a: any) => void,
 * }} input
 */
export function renderVendor(main, input) {
  const series = input.answer.series.find((s) => s.vendor === input.vendor);
  const stepSeconds = input.answer.step_seconds;
  const totals = seriesTotals(series);
  const dashboard = safeHttpUrl(series.dashboard_url);
  const v = input.inventory;
  const chartBoxes = CHARTS.map((c) => ({ spec: c, box: el('div', { class: 'chart', id: `chart-${c.metric}` }) }));
  const firingBox = el('div', { id: 'vendor-alerts' });
  const historyBox = el('div', { id: 'vendor-alert-history' });
  const markers = alertMarkers(input.alerts, input.bounds.fromMs, input.bounds.toMs);
  main.replaceChildren(
    el('nav', { class: 'crumbs' }, el('a', { href: input.backHref, id: 'back' }, '← all vendors')),
    el(
      'div',
      { class: 'vendor-head' },
      el('h2', { id: 'vendor-title' }, name(input.vendor)),
      v ? el('span', { class: 'badges' }, vendorPiiBadges(v, input.index)) : null,
      dashboard ? outLink(withGrafanaRange(dashboard, input.bounds.fromMs, input.bounds.toMs), 'Grafana dashboard ↗', { id: 'grafana-link' }) : null,
    ),
    el(
      'p',
      { class: 'meta', id: 'vendor-totals' },
      `${formatCount(totals.calls)} calls · ${formatCount(totals.errors)} errors${totals.calls ? ` (${((100 * totals.errors) / totals.calls).toFixed(1)} %)` : ''} · sent ${formatBytes(totals.request_bytes)} · received ${formatBytes(totals.response_bytes)} in this range`,
      v ? [' · hosts ', v.hosts.map((h) => [el('code', {}, el('bdi', {}, h)), ' ']), '· services ', v.services.map((s, i) => [i ? ', ' : '', name(s, 'service')])] : null,
    ),
    el(
      'div',
      { class: 'charts' },
      chartBoxes.map(({ spec, box }) => el('figure', { class: 'chart-box' }, el('figcaption', {}, spec.title), box)),
    ),
    el('p', { class: 'muted chart-note' }, markers.length ? `Shaded: ${markers.length} alert${markers.length === 1 ? '' : 's'} firing in this range (solid line: started, dashed: resolved).` : 'No alert for this vendor in this range.'),
    valuesTable(series, stepSeconds),
    el('h3', {}, 'Firing alerts'),
    firingBox,
    el('h3', {}, 'Resolved in this time range'),
    historyBox,
    el('h3', {}, 'Data map'),
    el('div', { class: 'data-map', id: 'vendor-data-map' }, vendorDataMap(input.vendor, v, input.shownRoutes, input.index)),
  );
  const alertInput = { alerts: input.alerts, available: input.alertsAvailable, silences: input.silences, vendorHref: input.vendorHref, onSilence: input.onSilence, showVendor: false };
  renderFiring(firingBox, alertInput);
  renderHistory(historyBox, alertInput);
  // The first bucket starts on a bucket boundary, at or before the range's start.
  const fromS = Math.min(series.t[0] ?? Infinity, input.bounds.fromMs / 1000);
  const toS = input.bounds.toMs / 1000;
  return chartBoxes.map(({ spec, box }) =>
    timeChart(box, {
      metric: spec.metric,
      fromS,
      toS,
      t: series.t,
      lines: spec.lines.map((l) => ({ label: l.label, color: l.color, values: series[l.key] })),
      format: spec.format,
      markers,
    }),
  );
}

/**
 * The vendor's routes and fields as the filter leaves them; the filter redraws only this, not
 * the charts.
 */
export function vendorDataMap(vendor, inventory, shownRoutes, index) {
  if (!inventory) return el('p', { class: 'empty' }, 'No routes or fields recorded for this vendor from the start of this range on.');
  if (shownRoutes.length === 0) return el('p', { class: 'empty' }, 'Nothing matches the filter.');
  return dataMap(vendor, shownRoutes, index);
}

/** What the vendor view shows while its data loads, or when it cannot. */
export function vendorMessage(main, vendor, backHref, text) {
  main.replaceChildren(el('nav', { class: 'crumbs' }, el('a', { href: backHref, id: 'back' }, '← all vendors')), el('h2', { id: 'vendor-title' }, name(vendor)), el('p', { class: 'empty' }, text));
}
