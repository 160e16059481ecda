// Pure helpers of the console (no DOM, no fetch), shared by the page and the unit tests.
// Input shapes: the JSON API's /api/vendors inventory, /api/series, /api/alerts alert objects
// (docs/ARCHITECTURE.md), /api/silences and /api/policy.

/** Severity order for sorting, most urgent first. */
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

/** The preset time ranges, in ms; `custom` carries its own from/to. */
export const RANGE_PRESETS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };
export const DEFAULT_PRESET = '24h';

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
 * Alerts the filter text names: by vendor, service, route, field, kind or summary
 * (case-insensitive), the same filter as the inventory's.
 * @param {any[]} alerts
 * @param {string | undefined} text
 */
export function filterAlerts(alerts, text) {
  const t = (text ?? '').trim().toLowerCase();
  if (!t) return alerts;
  return alerts.filter((a) => [a.vendor, a.service, a.route, a.field, a.kind, a.summary].some((s) => typeof s === 'string' && s.toLowerCase().includes(t)));
}

/**
 * Silences the filter text names, by a matcher (`vendor=stripe` matches "stripe") or the comment.
 * @param {any[]} silences
 * @param {string | undefined} text
 */
export function filterSilences(silences, text) {
  const t = (text ?? '').trim().toLowerCase();
  if (!t) return silences;
  return silences.filter((s) => [...s.matchers, s.comment, s.createdBy].some((x) => typeof x === 'string' && x.toLowerCase().includes(t)));
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

/** 1536 → "1.5 KiB". @param {number} n */
export function formatBytes(n) {
  if (!(n >= 1024)) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
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

/** "45 min", "3 h", "2 d": how long something lasted. @param {number} ms */
export function formatSpan(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
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

/**
 * The time range as epoch ms. Presets end now (a refresh slides them); custom ranges are fixed.
 * @param {{ preset: string, fromMs?: number, toMs?: number }} range
 * @param {number} nowMs
 */
export function resolveRange(range, nowMs) {
  if (range.preset === 'custom' && Number.isFinite(range.fromMs) && Number.isFinite(range.toMs) && range.fromMs < range.toMs) {
    return { fromMs: range.fromMs, toMs: range.toMs };
  }
  const span = RANGE_PRESETS[range.preset] ?? RANGE_PRESETS[DEFAULT_PRESET];
  return { fromMs: nowMs - span, toMs: nowMs };
}

/** `/api/vendors?since=` for a range start: whole seconds back from now, at least 1. */
export function sinceParam(fromMs, nowMs) {
  return `${Math.max(1, Math.ceil((nowMs - fromMs) / 1000))}s`;
}

/** The bucket size to ask for about `points` buckets over a range (the API rounds it up to a nice step). */
export function stepForPoints(fromMs, toMs, points) {
  return Math.max(60, Math.ceil((toMs - fromMs) / 1000 / points));
}

/**
 * The page's state from its address fragment: `#range=7d&vendor=stripe&q=pay`, custom ranges as
 * `range=custom&from=<ISO>&to=<ISO>`. Unknown or broken values fall back to the defaults, so a
 * hand-edited link still opens.
 * @param {string} hash
 */
export function parseState(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const preset = p.get('range') ?? DEFAULT_PRESET;
  let range = { preset: Object.hasOwn(RANGE_PRESETS, preset) ? preset : DEFAULT_PRESET };
  if (preset === 'custom') {
    const fromMs = Date.parse(p.get('from') ?? '');
    const toMs = Date.parse(p.get('to') ?? '');
    if (Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs) range = { preset, fromMs, toMs };
  }
  const vendor = p.get('vendor');
  return { range, vendor: vendor === null ? undefined : vendor, q: p.get('q') ?? '', piiOnly: p.get('pii') === '1' };
}

/** The address fragment of a state (inverse of parseState). */
export function formatState(state) {
  const p = new URLSearchParams();
  p.set('range', state.range.preset);
  if (state.range.preset === 'custom') {
    p.set('from', new Date(state.range.fromMs).toISOString());
    p.set('to', new Date(state.range.toMs).toISOString());
  }
  if (state.vendor !== undefined) p.set('vendor', state.vendor);
  if (state.q) p.set('q', state.q);
  if (state.piiOnly) p.set('pii', '1');
  return `#${p}`;
}

/**
 * Splits silence matchers typed on one line: by whitespace and commas, except inside double
 * quotes (`service="web api"` stays one matcher; the API strips the quotes).
 * @param {string} text
 */
export function splitMatchers(text) {
  return [...text.matchAll(/(?:[^\s,"]+|"[^"]*")+/g)].map((m) => m[0]);
}

/** A matcher value written so splitMatchers keeps it whole. @param {string} name @param {string} value */
export function matcherText(name, value) {
  return /[\s,"]/.test(value) || value === '' ? `${name}="${value}"` : `${name}=${value}`;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Whether one stored matcher text (alerts/matchers.ts syntax) holds for a label set. */
function matcherHolds(text, labels) {
  const m = MATCHER.exec(text);
  if (!m) return false;
  let value = m[3];
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  const actual = labels[m[1]] ?? '';
  if (m[2] === '=') return actual === value;
  if (m[2] === '!=') return actual !== value;
  try {
    const hit = new RegExp(`^(?:${value})$`).test(actual);
    return m[2] === '=~' ? hit : !hit;
  } catch {
    return false;
  }
}

/**
 * The active silences that hold for an alert's labels (all matchers of a silence must hold), as
 * the notifier judges them: what the console marks "silenced".
 * @param {any} alert
 * @param {any[]} silences
 */
export function silencesFor(alert, silences) {
  const labels = alert.labels ?? {};
  return silences.filter((s) => s.state === 'active' && s.matchers.length > 0 && s.matchers.every((m) => matcherHolds(m, labels)));
}

/**
 * The silences keeping an alert from the receivers: the API's own answer (`silencedBy`, silence
 * ids) when it gives one, else the active silences matching its labels. Ids not in `silences`
 * come back as `{ id, matchers: [] }`.
 * @param {any} alert
 * @param {any[]} silences
 */
export function silencing(alert, silences) {
  if (Array.isArray(alert.silencedBy)) return alert.silencedBy.map((id) => silences.find((s) => s.id === id) ?? { id, matchers: [] });
  return silencesFor(alert, silences);
}

/**
 * Indexes the policy gate's violations (`/api/policy`) for lookups per field and per vendor.
 * @param {{ violations: Array<{ vendor: string, route: string, field: string, pii: string }> } | undefined} policy
 */
export function indexViolations(policy) {
  if (!policy) return undefined;
  const fields = new Set();
  const vendors = new Set();
  for (const v of policy.violations) {
    fields.add(JSON.stringify([v.vendor, v.route, v.field, v.pii]));
    vendors.add(JSON.stringify([v.vendor, v.pii]));
  }
  return { fields, vendors };
}

/**
 * How a PII class in the data map stands against policy: `violating` when the policy gate lists
 * it (the vendor's allow_pii lacks it: `policy check` fails), `allowed` when sent but not listed,
 * `received` in responses (what a vendor sends back is not a policy matter), `unknown` without
 * the policy API. `route`/`field` absent: the vendor as a whole (violating if any field is).
 * @param {ReturnType<typeof indexViolations>} index
 * @param {{ vendor: string, pii: string, route?: string, field?: string, direction?: string }} at
 */
export function piiStatus(index, at) {
  if (!index) return 'unknown';
  if (at.direction === 'response') return 'received';
  if (at.route === undefined) return index.vendors.has(JSON.stringify([at.vendor, at.pii])) ? 'violating' : 'allowed';
  return index.fields.has(JSON.stringify([at.vendor, at.route, at.field, at.pii])) ? 'violating' : 'allowed';
}

/** Sum of each metric over a series' buckets. @param {any} s */
export function seriesTotals(s) {
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  return { calls: sum(s.calls), errors: sum(s.errors), request_bytes: sum(s.request_bytes), response_bytes: sum(s.response_bytes) };
}

/**
 * Alerts as marks on a time axis (Unix seconds): where each began and, when resolved, ended,
 * clipped to the range; alerts wholly outside it give none.
 * @param {any[]} alerts
 * @param {number} fromMs
 * @param {number} toMs
 */
export function alertMarkers(alerts, fromMs, toMs) {
  const out = [];
  for (const a of alerts) {
    const start = Date.parse(a.startsAt);
    const end = a.endsAt ? Date.parse(a.endsAt) : undefined;
    if (!(start <= toMs) || (end !== undefined && end < fromMs)) continue;
    out.push({
      fingerprint: a.fingerprint,
      kind: a.kind,
      severity: a.severity,
      startS: Math.max(start, fromMs) / 1000,
      endS: end === undefined ? undefined : Math.min(end, toMs) / 1000,
      startsInRange: start >= fromMs,
    });
  }
  return out;
}

/**
 * A Grafana link opened on the console's range: `from`/`to` (epoch ms, Grafana's own URL
 * parameters) are added unless the configured template sets them.
 * @param {string} url
 * @param {number} fromMs
 * @param {number} toMs
 */
export function withGrafanaRange(url, fromMs, toMs) {
  try {
    const u = new URL(url);
    if (!u.searchParams.has('from')) u.searchParams.set('from', String(Math.floor(fromMs)));
    if (!u.searchParams.has('to')) u.searchParams.set('to', String(Math.ceil(toMs)));
    return u.href;
  } catch {
    return url;
  }
}
