// Pure helpers of the console (no DOM, no fetch), shared by the page and the unit tests.
// Input shapes: the JSON API's /api/vendors inventory and /api/alerts alert objects (DESIGN.md).

/** Severity order for sorting, most urgent first. */
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

/**
 * Narrows the inventory to what the filter asks for. `text` matches vendor, host, service,
 * route or field (case-insensitive); `piiOnly` keeps only fields with a PII class, and routes
 * and vendors that still have one.
 * @param {any[]} vendors
 * @param {{ text?: string, piiOnly?: boolean }} filter
 */
export function filterInventory(vendors, filter) {
  const text = (filter.text ?? '').trim().toLowerCase();
  const hit = (s) => String(s).toLowerCase().includes(text);
  const out = [];
  for (const v of vendors) {
    const vendorHit = !text || hit(v.vendor) || v.hosts.some(hit) || v.services.some(hit);
    const routes = [];
    for (const r of v.routes) {
      const routeHit = vendorHit || hit(r.route) || r.services.some(hit);
      let fields = r.fields.filter((f) => routeHit || hit(f.field));
      if (filter.piiOnly) fields = fields.filter((f) => f.pii.length > 0);
      if (fields.length > 0 || (!filter.piiOnly && routeHit)) routes.push({ ...r, fields });
    }
    if (routes.length > 0 || (!filter.piiOnly && vendorHit)) out.push({ ...v, routes });
  }
  return out;
}

/**
 * Headline numbers: vendors, routes, fields, fields with PII, distinct PII classes, firing alerts.
 * @param {any[]} vendors
 * @param {any[]} alerts
 */
export function summarize(vendors, alerts) {
  let routes = 0;
  let fields = 0;
  let piiFields = 0;
  const classes = new Set();
  for (const v of vendors) {
    for (const c of v.pii) classes.add(c);
    routes += v.routes.length;
    for (const r of v.routes) {
      fields += r.fields.length;
      piiFields += r.fields.filter((f) => f.pii.length > 0).length;
    }
  }
  return { vendors: vendors.length, routes, fields, piiFields, piiClasses: [...classes].sort(), firing: alerts.filter((a) => a.status === 'firing').length };
}

/** Firing alerts, most severe first, then newest first. @param {any[]} alerts */
export function sortAlerts(alerts) {
  return [...alerts].sort(
    (a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) || String(b.startsAt).localeCompare(String(a.startsAt)),
  );
}

/** 1234567 → "1.2M"; small numbers as they are. @param {number} n */
export function formatCount(n) {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** "3 min ago" style age of a timestamp, relative to `nowMs`. @param {string} iso @param {number} nowMs */
export function formatAge(iso, nowMs) {
  const t = Date.parse(iso.includes('T') || iso.endsWith('Z') ? iso : `${iso.replace(' ', 'T')}Z`);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((nowMs - t) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Only http(s) links are rendered as links (runbook URLs come from config). @param {unknown} url */
export function safeHttpUrl(url) {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url, 'http://localhost/');
    return u.protocol === 'http:' || u.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
