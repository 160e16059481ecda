// The built-in console: renders the JSON API (inventory/data map and firing alerts) for people
// without Grafana. Vanilla DOM, no build step. Every value from the API goes in as textContent,
// never as HTML.
import { filterInventory, formatAge, formatCount, safeHttpUrl, sortAlerts, summarize } from './model.js';

const REFRESH_MS = 30_000;
/** Vendors per page of /api/vendors; "more vendors" loads the next. */
const PAGE = 50;
const $ = (id) => document.getElementById(id);

const state = { vendors: [], alerts: [], alertsAvailable: true, loadedAt: 0, pages: 1, nextOffset: undefined };
let timer;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const badge = (text, kind) => el('span', { class: `badge ${kind}` }, text);
const piiBadges = (classes) => (classes.length ? classes.map((c) => badge(c, 'pii')) : el('span', { class: 'empty' }, '—'));

async function api(path) {
  // The page holds no token: the session cookie from the login link goes with same-origin calls.
  const res = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (res.status === 401) {
    throw new Error('Not logged in (or egresswatch was restarted): open the one-time login link that `egresswatch start` printed, or run `egresswatch console-link` for a new one.');
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    const error = new Error(`${path}: HTTP ${res.status}${body.message ? ` — ${body.message}` : ''}`);
    error.status = res.status;
    throw error;
  }
  return res.json();
}

async function load() {
  const since = $('filter-since').value;
  const status = $('status');
  try {
    // A refresh reloads as many pages as are shown, in one call (the API's page limit is 1000).
    const query = new URLSearchParams({ limit: String(Math.min(1000, state.pages * PAGE)), ...(since ? { since } : {}) });
    const [page, alerts] = await Promise.all([
      api(`/api/vendors?${query}`),
      api('/api/alerts?status=firing').catch((err) => {
        // An instance without the alerts API still shows its inventory.
        if (err.status === 404) {
          state.alertsAvailable = false;
          return [];
        }
        throw err;
      }),
    ]);
    state.vendors = page.vendors;
    state.nextOffset = page.next_offset;
    state.alerts = alerts;
    state.loadedAt = Date.now();
    status.className = '';
    status.textContent = `updated ${new Date(state.loadedAt).toLocaleTimeString()}`;
    render();
  } catch (err) {
    status.className = 'error';
    status.textContent = err.message;
  }
}

function render() {
  const filter = { text: $('filter-text').value, piiOnly: $('filter-pii').checked };
  renderSummary(summarize(state.vendors, state.alerts));
  renderAlerts(sortAlerts(state.alerts.filter((a) => a.status === 'firing')));
  renderInventory(filterInventory(state.vendors, filter), filter);
}

function renderSummary(s) {
  const tile = (n, label, alarm = false) => el('div', { class: alarm ? 'tile alarm' : 'tile' }, el('div', { class: 'n' }, n), el('div', { class: 'label' }, label));
  $('summary').replaceChildren(
    tile(formatCount(s.vendors), 'vendors'),
    tile(formatCount(s.routes), 'routes'),
    tile(formatCount(s.fields), 'fields'),
    tile(formatCount(s.piiFields), 'fields with PII', s.piiFields > 0),
    tile(s.piiClasses.length, s.piiClasses.length ? `PII classes: ${s.piiClasses.join(', ')}` : 'PII classes'),
    tile(state.alertsAvailable ? s.firing : '–', 'firing alerts', s.firing > 0),
  );
}

function renderAlerts(alerts) {
  const box = $('alerts');
  if (!state.alertsAvailable) return box.replaceChildren(el('p', { class: 'empty' }, 'This instance has no alerts API yet.'));
  if (alerts.length === 0) return box.replaceChildren(el('p', { class: 'empty' }, 'Nothing is firing.'));
  const rows = alerts.map((a) => {
    const runbook = safeHttpUrl(a.runbook_url);
    const where = [a.service, a.route, a.field].filter(Boolean).join(' · ');
    return el(
      'tr',
      {},
      el('td', {}, badge(a.severity, a.severity)),
      el('td', {}, el('code', {}, a.kind)),
      el('td', {}, el('strong', {}, a.vendor), where ? el('div', { class: 'empty' }, where) : null),
      el('td', {}, a.summary),
      el('td', { title: a.startsAt }, formatAge(a.startsAt, Date.now())),
      el('td', {}, runbook ? el('a', { href: runbook, target: '_blank', rel: 'noopener noreferrer' }, 'runbook') : '—'),
    );
  });
  box.replaceChildren(
    el('table', {}, el('thead', {}, el('tr', {}, ['severity', 'kind', 'vendor', 'summary', 'since', ''].map((h) => el('th', {}, h)))), el('tbody', {}, rows)),
  );
}

function renderInventory(vendors, filter) {
  const box = $('inventory');
  if (vendors.length === 0) {
    const why = state.vendors.length === 0 ? 'No egress traffic recorded yet. Point an OpenTelemetry SDK at this collector (see the README).' : 'Nothing matches the filter.';
    return box.replaceChildren(el('p', { class: 'empty' }, why));
  }
  // Open the cards when the filter narrows things down, so matches are visible at once.
  const open = Boolean(filter.text.trim() || filter.piiOnly) || vendors.length === 1;
  const more =
    state.nextOffset === undefined
      ? []
      : [
          el('p', { class: 'empty' }, `Showing the first ${state.vendors.length} vendors (by name); the filter applies to these. `),
          el('button', { type: 'button', id: 'more-vendors' }, 'more vendors'),
        ];
  box.replaceChildren(...vendors.map((v) => vendorCard(v, open)), ...more);
  $('more-vendors')?.addEventListener('click', () => {
    state.pages += 1;
    void load();
  });
}

function vendorCard(v, open) {
  const errorRate = v.calls > 0 ? ` · ${((100 * v.errors) / v.calls).toFixed(1)} % errors` : '';
  return el(
    'details',
    { class: 'vendor', open },
    el(
      'summary',
      {},
      el('span', { class: 'name' }, v.vendor),
      el('span', {}, piiBadges(v.pii)),
      el('span', { class: 'meta' }, `${formatCount(v.calls)} calls${errorRate} · ${v.routes.length} routes · last seen ${formatAge(v.last_seen, Date.now())}`),
    ),
    el(
      'div',
      { class: 'vendor-body' },
      el('p', { class: 'meta' }, 'hosts ', v.hosts.map((h) => el('code', {}, h, ' ')), ' · services ', v.services.join(', '), ` · first seen ${v.first_seen}`),
      v.routes.map(routeBlock),
    ),
  );
}

function routeBlock(r) {
  const head = el('h3', {}, `${r.methods.join(', ')} ${r.route}`);
  const meta = el('div', { class: 'empty' }, `${formatCount(r.calls)} calls · ${formatCount(r.errors)} errors · from ${r.services.join(', ')} · last seen ${formatAge(r.last_seen, Date.now())}`);
  if (r.fields.length === 0) return el('div', { class: 'route' }, head, meta, el('p', { class: 'empty' }, 'no fields recorded'));
  const rows = r.fields.map((f) =>
    el('tr', {}, el('td', {}, f.direction), el('td', { class: 'field' }, f.field), el('td', {}, f.types.join(', ') || '—'), el('td', {}, piiBadges(f.pii)), el('td', { class: 'num' }, formatCount(f.calls)), el('td', { title: f.first_seen }, formatAge(f.first_seen, Date.now()))),
  );
  const header = el('tr', {}, el('th', {}, 'direction'), el('th', {}, 'field'), el('th', {}, 'type'), el('th', {}, 'PII'), el('th', { class: 'num' }, 'calls'), el('th', {}, 'first seen'));
  return el('div', { class: 'route' }, head, meta, el('table', {}, el('thead', {}, header), el('tbody', {}, rows)));
}

function schedule() {
  clearInterval(timer);
  if ($('auto-refresh').checked) timer = setInterval(load, REFRESH_MS);
}

$('filters').addEventListener('submit', (e) => e.preventDefault());
$('filter-text').addEventListener('input', render);
$('filter-pii').addEventListener('change', render);
$('filter-since').addEventListener('change', load);
$('auto-refresh').addEventListener('change', schedule);
schedule();
void load();
