// The inventory and data map: one card per vendor with a sparkline of its calls over the range,
// routes and fields with their PII classes marked against policy.
import { sparkline } from './charts.js';
import { badge, el, name } from './dom.js';
import { formatAge, formatCount, piiStatus, seriesTotals } from './model.js';
import { riskBadge } from './register-view.js';

const STATUS_TEXT = {
  violating: (vendor, c) => `${c}: not in ${vendor}'s allow_pii — egresswatch policy check fails on it`,
  allowed: (vendor, c) => `${c}: allowed by ${vendor}'s allow_pii`,
  received: (_vendor, c) => `${c}: in responses from the vendor (not a policy matter)`,
  unknown: (_vendor, c) => c,
};
const STATUS_MARK = { violating: '⚠ ', allowed: '✓ ', received: '', unknown: '' };

/** One PII class as a badge that says how it stands against policy (mark, colour and tooltip). */
export function piiBadge(vendor, c, status) {
  const b = el('span', { class: `badge pii ${status}`, 'data-pii': c, 'data-status': status, title: STATUS_TEXT[status](vendor, c) }, STATUS_MARK[status], el('bdi', {}, c));
  return b;
}

/**
 * Badges of a vendor's classes: violating first. A class seen only in responses is `received`.
 * @param {any} v an inventory vendor (unfiltered: every route and field)
 * @param {any} index indexViolations(/api/policy)
 */
export function vendorPiiBadges(v, index) {
  if (v.pii.length === 0) return el('span', { class: 'empty' }, 'no PII');
  const sent = new Set(v.routes.flatMap((r) => r.fields.filter((f) => f.direction === 'request').flatMap((f) => f.pii)));
  const rank = { violating: 0, allowed: 1, received: 2, unknown: 3 };
  return v.pii
    .map((c) => ({ c, status: piiStatus(index, sent.has(c) ? { vendor: v.vendor, pii: c } : { vendor: v.vendor, pii: c, direction: 'response' }) }))
    .sort((a, b) => rank[a.status] - rank[b.status] || a.c.localeCompare(b.c))
    .map(({ c, status }) => piiBadge(v.vendor, c, status));
}

function fieldBadges(vendor, route, f, index) {
  if (f.pii.length === 0) return el('span', { class: 'empty' }, '—');
  return f.pii.map((c) => piiBadge(vendor, c, piiStatus(index, { vendor, route, field: f.field, pii: c, direction: f.direction })));
}

/**
 * The routes of one vendor with their fields (the data map).
 * @param {string} vendor
 * @param {any[]} routes
 * @param {any} index
 */
export function dataMap(vendor, routes, index) {
  return routes.map((r) => {
    const head = el('h3', {}, `${r.methods.join(', ')} `, name(r.route, 'route'));
    const meta = el('div', { class: 'muted' }, `${formatCount(r.calls)} calls · ${formatCount(r.errors)} errors · from `, r.services.map((s, i) => [i ? ', ' : '', name(s, 'service')]), ` · last seen ${formatAge(r.last_seen, Date.now())}`);
    if (r.fields.length === 0) return el('div', { class: 'route' }, head, meta, el('p', { class: 'empty' }, 'no fields recorded'));
    const rows = r.fields.map((f) =>
      el(
        'tr',
        {},
        el('td', {}, f.direction),
        el('td', { class: 'field' }, el('bdi', {}, f.field)),
        el('td', {}, f.types.join(', ') || '—'),
        el('td', {}, fieldBadges(vendor, r.route, f, index)),
        el('td', { class: 'num' }, formatCount(f.calls)),
        el('td', { title: f.first_seen }, formatAge(f.first_seen, Date.now())),
      ),
    );
    const header = el('tr', {}, el('th', {}, 'direction'), el('th', {}, 'field'), el('th', {}, 'type'), el('th', {}, 'PII'), el('th', { class: 'num' }, 'calls'), el('th', {}, 'first seen'));
    return el('div', { class: 'route' }, head, meta, el('table', {}, el('thead', {}, header), el('tbody', {}, rows)));
  });
}

/**
 * @param {HTMLElement} box
 * @param {{
 *   vendors: any[], shown: any[], open: boolean, anyTraffic: boolean,
 *   sparks: Map<string, any>, index: any, vendorHref: (v: string) => string,
 *   nextOffset?: number, onMore: () => void, demoHint: HTMLElement, register?: any,
 * }} input `vendors` the loaded page, `shown` what the filter keeps of it
 */
export function renderInventory(box, input) {
  if (input.vendors.length === 0) {
    if (input.anyTraffic) return box.replaceChildren(el('p', { class: 'empty' }, 'No egress in this time range: pick a longer one above.'));
    return box.replaceChildren(input.demoHint);
  }
  if (input.shown.length === 0) return box.replaceChildren(el('p', { class: 'empty' }, 'Nothing matches the filter.'));
  const byName = new Map(input.vendors.map((v) => [v.vendor, v]));
  const more =
    input.nextOffset === undefined
      ? []
      : [el('p', { class: 'empty' }, `Showing the first ${input.vendors.length} vendors (by name); the filter applies to these. `), el('button', { type: 'button', id: 'more-vendors' }, 'more vendors')];
  box.replaceChildren(...input.shown.map((v) => vendorCard(v, byName.get(v.vendor) ?? v, input)), ...more);
  box.querySelector('#more-vendors')?.addEventListener('click', input.onMore);
}

/** The card's risk and, for a vendor absent from the register, a shadow-integration mark (from /api/register). */
function registerBadges(view) {
  if (!view) return null;
  return el('span', { class: 'badges register-badges' }, riskBadge(view.risk, view.risk_band), view.shadow ? badge('shadow integration', 'shadow', 'seen on the wire, absent from the register (vendors.<id> in egresswatch.yaml)') : null);
}

function vendorCard(v, full, input) {
  const series = input.sparks.get(v.vendor);
  // Counts over the range from the series when they came (the inventory counts from the range's
  // start to now; the series stop at its end).
  const totals = series ? seriesTotals(series) : { calls: v.calls, errors: v.errors };
  const errorRate = totals.calls > 0 ? ` · ${((100 * totals.errors) / totals.calls).toFixed(1)} % errors` : '';
  const spark = series ? sparkline(series.calls, `calls per ${series.step_seconds / 60} min, at most ${Math.max(0, ...series.calls)}`) : el('span', { class: 'spark-missing' });
  return el(
    'details',
    { class: 'vendor', open: input.open, 'data-vendor': v.vendor },
    el(
      'summary',
      {},
      el('a', { href: input.vendorHref(v.vendor), class: 'vendor-link', title: 'charts of this vendor over the time range' }, name(v.vendor)),
      el('span', { class: 'badges' }, vendorPiiBadges(full, input.index)),
      registerBadges(input.register?.vendors.find((r) => r.vendor === v.vendor)),
      spark,
      el('span', { class: 'meta' }, `${formatCount(totals.calls)} calls${errorRate} · ${full.routes.length} routes · last seen ${formatAge(v.last_seen, Date.now())}`),
    ),
    el(
      'div',
      { class: 'vendor-body' },
      el('p', { class: 'meta' }, 'hosts ', v.hosts.map((h) => [el('code', {}, el('bdi', {}, h)), ' ']), ' · services ', v.services.map((s, i) => [i ? ', ' : '', name(s, 'service')]), ` · first seen ${v.first_seen}`),
      dataMap(v.vendor, v.routes, input.index),
    ),
  );
}
