// Alerts: what fires now, and what fired and resolved within the time range (history).
import { badge, el, name, outLink, timeEl } from './dom.js';
import { formatAge, formatSpan, safeHttpUrl, silencing, sortAlerts } from './model.js';

/**
 * @typedef {{
 *   alerts: any[],
 *   available: boolean,
 *   silences: any[],
 *   vendorHref: (vendor: string) => string,
 *   onSilence: (alert: any) => void,
 *   showVendor?: boolean,
 * }} AlertsInput
 */

function where(a) {
  return [a.service, a.route, a.field].filter(Boolean).map((s, i) => [i > 0 ? ' · ' : '', name(s, 'where')]);
}

function links(a) {
  const runbook = safeHttpUrl(a.runbook_url);
  const dashboard = safeHttpUrl(a.annotations?.dashboard_url);
  return [runbook ? outLink(runbook, 'runbook', { class: 'runbook' }) : '—', dashboard ? [' ', outLink(dashboard, 'dashboard', { class: 'dashboard' })] : null];
}

function vendorCell(a, input) {
  if (input.showVendor === false) return el('td', {}, where(a));
  return el('td', {}, el('a', { href: input.vendorHref(a.vendor), class: 'vendor-link' }, name(a.vendor)), a.service || a.route ? el('div', { class: 'muted' }, where(a)) : null);
}

/**
 * Firing alerts, most severe first: severity, kind, vendor (a link to its charts), summary, age,
 * runbook and dashboard links; "silenced" when an active silence holds for its labels, else a
 * button that prefills the silence form.
 * @param {HTMLElement} box
 * @param {AlertsInput} input
 */
export function renderFiring(box, input) {
  if (!input.available) return box.replaceChildren(el('p', { class: 'empty' }, 'This instance has no alerts API yet.'));
  const firing = sortAlerts(input.alerts.filter((a) => a.status === 'firing'));
  if (firing.length === 0) return box.replaceChildren(el('p', { class: 'empty' }, 'Nothing is firing.'));
  const rows = firing.map((a) => {
    const silencedBy = silencing(a, input.silences);
    const action = silencedBy.length
      ? badge('silenced', 'silenced', `by ${silencedBy.map((s) => s.matchers.join(' ') || s.id).join('; ')}`)
      : el('button', { type: 'button', class: 'silence-alert' }, 'silence…');
    if (!silencedBy.length) action.addEventListener('click', () => input.onSilence(a));
    return el(
      'tr',
      { 'data-fingerprint': a.fingerprint, class: silencedBy.length ? 'is-silenced' : undefined },
      el('td', {}, badge(a.severity, a.severity)),
      el('td', {}, el('code', {}, a.kind)),
      vendorCell(a, input),
      el('td', {}, el('bdi', {}, a.summary)),
      el('td', { title: a.startsAt }, formatAge(a.startsAt, Date.now())),
      el('td', {}, links(a)),
      el('td', {}, action),
    );
  });
  const head = ['severity', 'kind', input.showVendor === false ? 'where' : 'vendor', 'summary', 'since', 'links', ''];
  box.replaceChildren(el('table', { class: 'alerts' }, el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))), el('tbody', {}, rows)));
}

/**
 * Alerts that resolved within the range, newest first: when each started and how long it lasted.
 * @param {HTMLElement} box
 * @param {AlertsInput} input
 */
export function renderHistory(box, input) {
  if (!input.available) return box.replaceChildren();
  const resolved = input.alerts.filter((a) => a.status === 'resolved').sort((a, b) => String(b.startsAt).localeCompare(String(a.startsAt)));
  if (resolved.length === 0) return box.replaceChildren(el('p', { class: 'empty' }, 'No alert resolved in this time range.'));
  const rows = resolved.map((a) => {
    const start = Date.parse(a.startsAt);
    const end = a.endsAt ? Date.parse(a.endsAt) : undefined;
    return el(
      'tr',
      { 'data-fingerprint': a.fingerprint },
      el('td', {}, badge(a.severity, a.severity)),
      el('td', {}, el('code', {}, a.kind)),
      vendorCell(a, input),
      el('td', {}, el('bdi', {}, a.summary)),
      el('td', {}, timeEl(start)),
      el('td', {}, end === undefined ? '—' : formatSpan(end - start)),
      el('td', {}, links(a)),
    );
  });
  const head = ['severity', 'kind', input.showVendor === false ? 'where' : 'vendor', 'summary', 'started', 'lasted', 'links'];
  box.replaceChildren(el('table', { class: 'alerts history' }, el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))), el('tbody', {}, rows)));
}
