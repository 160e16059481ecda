// Silences: the ones in force (or pending), recently ended ones, a form to add one and a button to
// expire one, all through /api/silences with the session cookie.
import { api } from './api.js';
import { $, badge, el, timeEl } from './dom.js';
import { formatAge, matcherText, splitMatchers } from './model.js';

/** Expired silences listed under the active ones, newest first. */
const EXPIRED_SHOWN = 10;

function row(s, onExpire) {
  const expire = s.state === 'expired' ? null : el('button', { type: 'button', class: 'expire-silence' }, 'expire');
  expire?.addEventListener('click', () => {
    expire.disabled = true;
    onExpire(s.id).catch(() => (expire.disabled = false));
  });
  return el(
    'tr',
    { 'data-silence': s.id, class: `silence ${s.state}` },
    el('td', {}, badge(s.state, s.state)),
    el('td', {}, s.matchers.map((m) => [el('code', {}, el('bdi', {}, m)), ' '])),
    el('td', {}, el('bdi', {}, s.comment), el('div', { class: 'muted' }, 'by ', el('bdi', {}, s.createdBy))),
    el('td', {}, timeEl(Date.parse(s.startsAt))),
    el('td', { title: s.endsAt }, s.state === 'expired' ? ['ended ', formatAge(s.endsAt, Date.now())] : ['until ', timeEl(Date.parse(s.endsAt))]),
    el('td', {}, expire),
  );
}

/**
 * @param {HTMLElement} box
 * @param {{ silences: any[], available: boolean, onExpire: (id: string) => Promise<void> }} input
 */
export function renderSilences(box, input) {
  if (!input.available) return box.replaceChildren(el('p', { class: 'empty' }, 'This instance has no silences API yet.'));
  const live = input.silences.filter((s) => s.state !== 'expired');
  const expired = input.silences.filter((s) => s.state === 'expired').slice(0, EXPIRED_SHOWN);
  const head = el('thead', {}, el('tr', {}, ['state', 'matchers', 'comment', 'starts', 'ends', ''].map((h) => el('th', {}, h))));
  const parts = [
    live.length ? el('table', { class: 'silences' }, head, el('tbody', {}, live.map((s) => row(s, input.onExpire)))) : el('p', { class: 'empty' }, 'No silence in force: every alert notifies its receivers.'),
    expired.length
      ? el('details', { class: 'expired-silences' }, el('summary', {}, `${expired.length} recently ended`), el('table', { class: 'silences' }, head.cloneNode(true), el('tbody', {}, expired.map((s) => row(s, input.onExpire)))))
      : null,
  ];
  box.replaceChildren(...parts.filter(Boolean));
}

/** Fills the form with matchers for one alert (vendor, kind, and service when it has one). */
export function prefillSilence(alert) {
  const matchers = [matcherText('vendor', alert.vendor), matcherText('kind', alert.kind)];
  if (alert.service) matchers.push(matcherText('service', alert.service));
  $('silence-matchers').value = matchers.join(' ');
  $('silence-result').textContent = '';
  $('silence-form').scrollIntoView({ block: 'center' });
  $('silence-comment').focus();
}

/**
 * Wires the form: POST /api/silences; the API's own message when it refuses (an unknown label,
 * a bad duration), then `onChanged` to reload.
 * @param {() => Promise<void>} onChanged
 */
export function bindSilenceForm(onChanged) {
  $('silence-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const result = $('silence-result');
    const body = { matchers: splitMatchers($('silence-matchers').value), duration: $('silence-duration').value.trim(), comment: $('silence-comment').value, createdBy: 'console' };
    result.className = '';
    result.textContent = 'adding…';
    try {
      const created = await api('/api/silences', { method: 'POST', body });
      result.textContent = `added: ${created.matchers.join(' ')} until ${new Date(created.endsAt).toLocaleString()}`;
      $('silence-matchers').value = '';
      $('silence-comment').value = '';
      await onChanged();
    } catch (err) {
      result.className = 'error';
      result.textContent = err.message;
    }
  });
}

/** POST /api/silences/:id/expire. */
export async function expireSilence(id) {
  await api(`/api/silences/${encodeURIComponent(id)}/expire`, { method: 'POST' });
}
