// The built-in console: the JSON API (inventory/data map, series, alerts, silences, policy) for
// people without Grafana, over one time range that every view follows. Vanilla DOM, no build
// step. The page's state (range, vendor, filter) lives in the address fragment, so a reload, the
// back button and a copied link keep it.
import { renderFiring, renderHistory } from './alerts-view.js';
import { api, optionalApi } from './api.js';
import { $, el } from './dom.js';
import { renderInventory } from './inventory-view.js';
import { filterAlerts, filterInventory, filterSilences, formatCount, formatState, indexViolations, parseState, resolveRange, sinceParam, stepForPoints, summarize } from './model.js';
import { bindRange, showRange } from './range-view.js';
import { renderFlowMap, renderKpi, renderRegister } from './register-view.js';
import { bindSilenceForm, expireSilence, prefillSilence, renderSilences } from './silences-view.js';
import { renderVendor, vendorDataMap, vendorMessage } from './vendor-view.js';

const REFRESH_MS = 30_000;
/** Days of the sensitive-field KPI, ending with the range. */
const KPI_DAYS = 30;
/** Vendors per page of /api/vendors ("more vendors" loads the next); also /api/series' cap per request. */
const PAGE = 50;
/** Buckets of a sparkline: enough for a shape, few enough for 50 vendors per request. */
const SPARK_POINTS = 60;

const state = {
  view: parseState(location.hash),
  bounds: resolveRange(parseState(location.hash).range, Date.now()),
  stepSeconds: undefined,
  vendors: [],
  nextOffset: undefined,
  pages: 1,
  anyTraffic: true,
  sparks: new Map(),
  alerts: [],
  alertsAvailable: true,
  silences: [],
  silencesAvailable: true,
  index: undefined,
  violations: undefined,
  vendorData: undefined,
  charts: [],
  register: undefined,
  flowMap: undefined,
  kpi: undefined,
};
/** Bumped per load: an answer that comes back after a newer load started is dropped. */
let generation = 0;
/** The fragment the page shows; a hashchange to the same one is not a navigation. */
let applied = '';
let timer;

const hrefFor = (patch) => formatState({ ...state.view, ...patch });
const vendorHref = (vendor) => hrefFor({ vendor });

function setStatus(text, error = false) {
  $('status').className = error ? 'error' : '';
  $('status').textContent = text;
}

/** Goes to a new state: a new history entry (range, vendor) or in place (typing in the filter). */
function navigate(patch, replace = false) {
  const view = { ...state.view, ...patch };
  const hash = formatState(view);
  if (!replace) {
    location.hash = hash;
    return;
  }
  history.replaceState(null, '', hash);
  applied = hash;
  state.view = view;
  $('home').setAttribute('href', hrefFor({ vendor: undefined }));
}

function onHash() {
  const view = parseState(location.hash);
  const hash = formatState(view);
  if (hash === applied) return;
  applied = hash;
  state.view = view;
  $('filter-text').value = view.q;
  $('filter-pii').checked = view.piiOnly;
  $('home').setAttribute('href', hrefFor({ vendor: undefined }));
  $('overview').hidden = view.vendor !== undefined;
  $('vendor-view').hidden = view.vendor === undefined;
  if (view.vendor !== undefined) vendorMessage($('vendor-view'), view.vendor, hrefFor({ vendor: undefined }), 'loading…');
  void load();
}

async function load() {
  const mine = ++generation;
  const loading = formatState(state.view);
  const now = Date.now();
  const bounds = resolveRange(state.view.range, now);
  state.bounds = bounds;
  showRange(state.view.range, bounds, state.stepSeconds);
  try {
    if (state.view.vendor !== undefined) await loadVendor(mine, bounds, now);
    else await loadOverview(mine, bounds, now);
    if (mine !== generation) return;
    showRange(state.view.range, bounds, state.stepSeconds);
    setStatus(`updated ${new Date().toLocaleTimeString()}`);
    // Which state the page shows, for scripts and tests that wait for a view to be drawn.
    document.body.setAttribute('data-loaded', loading);
    document.body.setAttribute('data-from', String(bounds.fromMs));
    document.body.setAttribute('data-to', String(bounds.toMs));
  } catch (err) {
    if (mine === generation) setStatus(err.message, true);
  }
}

/** Alerts of the range (or undefined: no alerts API), silences and the policy gate's answer. */
async function loadCommon(bounds, now, vendor) {
  const alertQuery = new URLSearchParams({ from: String(bounds.fromMs), to: String(bounds.toMs), ...(vendor === undefined ? {} : { vendor }) });
  return Promise.all([
    optionalApi(`/api/alerts?${alertQuery}`, undefined),
    optionalApi('/api/silences', undefined),
    optionalApi(`/api/policy?since=${sinceParam(bounds.fromMs, now)}`, undefined),
  ]);
}

function keepCommon([alerts, silences, policy]) {
  state.alertsAvailable = alerts !== undefined;
  state.alerts = alerts ?? [];
  state.silencesAvailable = silences !== undefined;
  state.silences = silences ?? [];
  state.index = indexViolations(policy);
  state.violations = policy?.violations;
}

async function loadOverview(mine, bounds, now) {
  // A refresh reloads as many pages as are shown, in one call (the API's page limit is 1000).
  const query = new URLSearchParams({ limit: String(Math.min(1000, state.pages * PAGE)), from: String(bounds.fromMs), to: String(bounds.toMs) });
  const range = new URLSearchParams({ from: String(bounds.fromMs), to: String(bounds.toMs) });
  const kpiRange = new URLSearchParams({ from: String(bounds.toMs - KPI_DAYS * 86_400_000), to: String(bounds.toMs) });
  const [page, common, register, flowMap, kpi] = await Promise.all([
    api(`/api/vendors?${query}`),
    loadCommon(bounds, now, undefined),
    optionalApi(`/api/register?${range}`, undefined),
    optionalApi(`/api/map?${range}&format=svg`, undefined),
    optionalApi(`/api/pii-kpi?${kpiRange}`, undefined),
  ]);
  const sparks = new Map();
  const step = stepForPoints(bounds.fromMs, bounds.toMs, SPARK_POINTS);
  const names = page.vendors.map((v) => v.vendor);
  const chunks = [];
  for (let i = 0; i < names.length; i += PAGE) chunks.push(names.slice(i, i + PAGE));
  const answers = await Promise.all(
    chunks.map((chunk) => {
      const q = new URLSearchParams({ from: String(bounds.fromMs), to: String(bounds.toMs), step: String(step) });
      for (const name of chunk) q.append('vendor', name);
      return optionalApi(`/api/series?${q}`, undefined);
    }),
  );
  for (const answer of answers) for (const s of answer?.series ?? []) sparks.set(s.vendor, { ...s, step_seconds: answer.step_seconds });
  const anyTraffic = page.vendors.length > 0 || (await api('/api/vendors?limit=1')).vendors.length > 0;
  if (mine !== generation) return;
  state.vendors = page.vendors;
  state.nextOffset = page.next_offset;
  state.sparks = sparks;
  state.anyTraffic = anyTraffic;
  state.stepSeconds = undefined;
  state.register = register;
  state.flowMap = flowMap;
  state.kpi = kpi;
  keepCommon(common);
  render();
}

async function loadVendor(mine, bounds, now) {
  const vendor = state.view.vendor;
  const q = new URLSearchParams({ vendor, from: String(bounds.fromMs), to: String(bounds.toMs) });
  const [answer, page, common] = await Promise.all([
    optionalApi(`/api/series?${q}`, undefined),
    api(`/api/vendors?${new URLSearchParams({ vendor, from: String(bounds.fromMs), to: String(bounds.toMs), limit: '1' })}`),
    loadCommon(bounds, now, vendor),
  ]);
  if (mine !== generation) return;
  keepCommon(common);
  if (!answer) {
    state.vendorData = undefined;
    return vendorMessage($('vendor-view'), vendor, hrefFor({ vendor: undefined }), 'This instance has no series API (/api/series): charts need a newer egresswatch.');
  }
  state.stepSeconds = answer.step_seconds;
  state.vendorData = { vendor, answer, inventory: page.vendors.find((v) => v.vendor === vendor) };
  render();
}

function render() {
  if (state.view.vendor !== undefined) return renderVendorView();
  const text = state.view.q;
  const alerts = filterAlerts(state.alerts, text);
  const silences = filterSilences(state.silences, text);
  const shown = filterInventory(state.vendors, { text, piiOnly: state.view.piiOnly });
  const vendorsShown = new Set(shown.map((v) => v.vendor));
  const violations = state.violations?.filter((v) => vendorsShown.has(v.vendor)).length;
  renderSummary(summarize(shown, alerts), violations, state.silences.filter((s) => s.state === 'active').length);
  const alertInput = { alerts, available: state.alertsAvailable, silences: state.silences, vendorHref, onSilence: prefillSilence };
  renderFiring($('alerts'), alertInput);
  renderHistory($('alert-history'), alertInput);
  renderSilences($('silences'), { silences, available: state.silencesAvailable, onExpire });
  renderInventory($('inventory'), {
    vendors: state.vendors,
    shown,
    // Open the cards when the filter narrows things down, so matches are visible at once.
    open: Boolean(text.trim() || state.view.piiOnly) || shown.length === 1,
    anyTraffic: state.anyTraffic,
    sparks: state.sparks,
    index: state.index,
    vendorHref,
    nextOffset: state.nextOffset,
    onMore: () => {
      state.pages += 1;
      void load();
    },
    demoHint: demoHint(),
    register: state.register,
  });
  renderRegister($('register'), { register: state.register, vendorHref });
  renderFlowMap($('flow-map'), state.flowMap);
  renderKpi($('pii-kpi'), state.kpi);
}

/** The vendor's routes and fields that the filter keeps (all of them when the text names the vendor). */
function shownRoutes(d) {
  return d.inventory ? (filterInventory([d.inventory], { text: state.view.q, piiOnly: state.view.piiOnly })[0]?.routes ?? []) : [];
}

/** After a filter change: the overview, or in the vendor view only its data map (the charts stay). */
function refilter() {
  const d = state.vendorData;
  const map = $('vendor-data-map');
  if (state.view.vendor === undefined || !d || !map) return render();
  map.replaceChildren(...[vendorDataMap(d.vendor, d.inventory, shownRoutes(d), state.index)].flat());
}

function renderVendorView() {
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
  const d = state.vendorData;
  if (!d || d.vendor !== state.view.vendor) return;
  state.charts = renderVendor($('vendor-view'), {
    vendor: d.vendor,
    answer: d.answer,
    alerts: state.alerts,
    alertsAvailable: state.alertsAvailable,
    silences: state.silences,
    inventory: d.inventory,
    shownRoutes: shownRoutes(d),
    index: state.index,
    bounds: state.bounds,
    backHref: hrefFor({ vendor: undefined }),
    vendorHref,
    onSilence: (alert) => {
      navigate({ vendor: undefined });
      // The silence form is on the overview; fill it once that is shown.
      setTimeout(() => prefillSilence(alert), 0);
    },
  });
}

function renderSummary(s, violating, activeSilences) {
  const tile = (n, label, alarm = false, id = undefined) => el('div', { class: alarm ? 'tile alarm' : 'tile', id }, el('div', { class: 'n' }, n), el('div', { class: 'label' }, label));
  $('summary').replaceChildren(
    tile(formatCount(s.vendors), 'vendors'),
    tile(formatCount(s.routes), 'routes'),
    tile(formatCount(s.fields), 'fields'),
    tile(formatCount(s.piiFields), 'fields with PII', s.piiFields > 0),
    tile(s.piiClasses.length, s.piiClasses.length ? `PII classes: ${s.piiClasses.join(', ')}` : 'PII classes'),
    tile(violating ?? '–', 'PII flows violating policy (policy check fails)', violating > 0, 'tile-violations'),
    tile(state.register ? state.register.vendors.filter((v) => v.shadow).length : '–', 'shadow integrations (not in the register)', Boolean(state.register?.vendors.some((v) => v.shadow)), 'tile-shadow'),
    tile(state.alertsAvailable ? s.firing : '–', 'firing alerts', s.firing > 0),
    tile(state.silencesAvailable ? activeSilences : '–', 'active silences'),
  );
}

/** The empty state of a fresh install: how to see something now, and how to send real traffic. */
function demoHint() {
  return el(
    'div',
    { class: 'empty-state', id: 'empty-state' },
    el('p', {}, el('strong', {}, 'No egress recorded yet.')),
    el(
      'p',
      {},
      'To see what this page shows within a minute, run ',
      el('code', {}, 'egresswatch demo --keep'),
      ' in a terminal: it sends two days of synthetic SDK traffic with an incident (a call spike, an SSN sent to a CRM, a never-seen destination) through a collector of its own and prints the alerts it raises. The demo data stays in a directory of its own, not in this instance: to open it in a console, run the ',
      el('code', {}, 'egresswatch start --config /tmp/egresswatch-demo-…/egresswatch.yaml'),
      ' line the demo prints; that second instance serves the demo data on its own port.',
    ),
    el(
      'p',
      {},
      'To watch your own services, run them under the egresswatch SDK with ',
      el('code', {}, `OTEL_EXPORTER_OTLP_ENDPOINT=${location.origin}`),
      ' (see the README).',
    ),
  );
}

async function onExpire(id) {
  try {
    await expireSilence(id);
    await load();
  } catch (err) {
    setStatus(err.message, true);
    throw err;
  }
}

function schedule() {
  clearInterval(timer);
  if ($('auto-refresh').checked) timer = setInterval(load, REFRESH_MS);
}

bindRange(
  () => state.bounds,
  (range) => navigate({ range }),
);
bindSilenceForm(load);
$('filter-text').addEventListener('input', () => {
  navigate({ q: $('filter-text').value }, true);
  refilter();
});
$('filter-pii').addEventListener('change', () => {
  navigate({ piiOnly: $('filter-pii').checked }, true);
  refilter();
});
$('auto-refresh').addEventListener('change', schedule);
window.addEventListener('hashchange', onHash);
if (!location.hash) history.replaceState(null, '', formatState(state.view));
schedule();
onHash();
