// DOM building for the console. Every value from the API goes in as a text node or an attribute,
// never as HTML; names from spans go in <bdi>, so bidi controls in a vendor or field name cannot
// reorder the text around them.

/**
 * An element with attributes and children. `class` sets className, `hidden` the property,
 * `data-*` and the rest go through setAttribute; false/undefined attributes are left out; text
 * children become text nodes.
 * @param {string} tag
 * @param {Record<string, unknown>} attrs
 * @param {...any} children
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false || v === null) continue;
    if (k === 'class') node.className = String(v);
    else if (k === 'hidden') node.hidden = true;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A name that came from spans or config (vendor, service, route, field), isolated for bidi. */
export const name = (text, cls = 'name') => el('bdi', { class: cls }, text);

export const badge = (text, kind, title) => el('span', { class: `badge ${kind}`, title }, text);

export const $ = (id) => document.getElementById(id);

/** A <time> showing local minutes, with the exact instant in `datetime`. @param {number} ms */
export function timeEl(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return el('time', { datetime: d.toISOString() }, local);
}

/** A link that leaves the console: new tab, no referrer, no opener. */
export const outLink = (href, text, attrs = {}) => el('a', { href, target: '_blank', rel: 'noopener noreferrer', ...attrs }, text);
