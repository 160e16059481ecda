// The global time range control: presets (last 1 h / 24 h / 7 d) and a custom from–to in local
// time. Every view reads the range from the page state; this only shows and edits it.
import { $ } from './dom.js';

const pad = (n) => String(n).padStart(2, '0');

/** Epoch ms as a datetime-local value (local time, minutes). */
function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value back to epoch ms (a date-time without offset is local time). */
function fromLocalInput(value) {
  return value ? new Date(value).getTime() : Number.NaN;
}

const describe = (ms) => toLocalInput(ms).replace('T', ' ');

/**
 * Shows `range` in the controls, and the resolved bounds and bucket size next to them.
 * @param {{ preset: string }} range
 * @param {{ fromMs: number, toMs: number }} bounds
 * @param {number | undefined} stepSeconds
 */
export function showRange(range, bounds, stepSeconds) {
  $('range-preset').value = range.preset;
  $('range-custom').hidden = range.preset !== 'custom';
  if (range.preset === 'custom') {
    $('range-from').value = toLocalInput(bounds.fromMs);
    $('range-to').value = toLocalInput(bounds.toMs);
  }
  const step = stepSeconds === undefined ? '' : ` · ${stepSeconds >= 3600 ? `${stepSeconds / 3600} h` : `${stepSeconds / 60} min`} buckets`;
  $('range-label').textContent = `${describe(bounds.fromMs)} – ${describe(bounds.toMs)}${step}`;
}

/**
 * Wires the controls: a preset applies at once; "custom…" opens from/to, prefilled with the
 * current bounds, applied by the button (or Enter).
 * @param {() => { fromMs: number, toMs: number }} currentBounds
 * @param {(range: { preset: string, fromMs?: number, toMs?: number }) => void} onRange
 */
export function bindRange(currentBounds, onRange) {
  $('range-preset').addEventListener('change', () => {
    const preset = $('range-preset').value;
    if (preset !== 'custom') return onRange({ preset });
    const bounds = currentBounds();
    $('range-from').value = toLocalInput(bounds.fromMs);
    $('range-to').value = toLocalInput(bounds.toMs);
    $('range-custom').hidden = false;
    $('range-from').focus();
  });
  $('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    if ($('range-preset').value !== 'custom') return;
    const fromMs = fromLocalInput($('range-from').value);
    const toMs = fromLocalInput($('range-to').value);
    if (!(fromMs < toMs)) {
      $('range-label').textContent = 'the range needs a start before its end';
      return;
    }
    onRange({ preset: 'custom', fromMs, toMs });
  });
}
