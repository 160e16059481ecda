/**
 * Synthetic traffic for `egresswatch demo`: what three SDK-instrumented services send out over
 * two days (daily seasonality, Poisson-ish noise), and an incident in the last half hour.
 * Produces OTLP/JSON export requests with the SDK's egress attributes, so the demo goes through
 * the real collector path.
 */

interface Integration {
  service: string;
  host: string;
  route: string;
  method: string;
  /** Mean calls per minute at the daily peak. */
  peakPerMinute: number;
  requestBytes: number;
  fields: string[];
  pii: string[];
}

const INTEGRATIONS: Integration[] = [
  {
    service: 'checkout',
    host: 'api.stripe.com',
    route: '/v1/payment_intents',
    method: 'POST',
    peakPerMinute: 12,
    requestBytes: 600,
    fields: ['amount:number', 'currency:string', 'customer:string', 'receipt_email:string', 'metadata:object', 'metadata.order_id:string'],
    pii: ['receipt_email:email'],
  },
  {
    service: 'notifications',
    host: 'api.twilio.com',
    route: '/2010-04-01/Accounts/{id}/Messages.json',
    method: 'POST',
    peakPerMinute: 6,
    requestBytes: 220,
    fields: ['To:string', 'From:string', 'Body:string'],
    pii: ['To:phone', 'From:phone'],
  },
  {
    service: 'crm-sync',
    host: 'api.hubapi.com',
    route: '/crm/v3/objects/contacts',
    method: 'POST',
    peakPerMinute: 4,
    requestBytes: 900,
    fields: ['properties:object', 'properties.email:string', 'properties.firstname:string', 'properties.lifecyclestage:string'],
    pii: ['properties.email:email', 'properties.firstname:person_name'],
  },
];

/** The incident: what changes in the last `incidentMinutes`. */
export const INCIDENT = {
  /** checkout suddenly sends 8× the calls to stripe, with 4× larger bodies (exfiltration shape). */
  spikeFactor: 8,
  bytesFactor: 4,
  /** crm-sync starts sending a national id to HubSpot. */
  newField: 'properties.ssn:string',
  newPii: 'properties.ssn:ssn',
  /** and a service starts calling a paste site nobody has ever called. */
  newHost: 'api.pastebin-mirror.example.net',
};

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Poisson sample (Knuth; means here are small). */
function poisson(mean: number, random: () => number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

function kv(key: string, value: string | number | string[]): Record<string, unknown> {
  if (Array.isArray(value)) return { key, value: { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } };
  return { key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } };
}

interface DemoSpan {
  service: string;
  atMs: number;
  host: string;
  route: string;
  method: string;
  requestBytes: number;
  fields: string[];
  pii: string[];
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/** Spans of every minute in [fromMs, toMs), with the incident from `incidentFromMs` on. */
export function demoSpans(fromMs: number, toMs: number, incidentFromMs: number): DemoSpan[] {
  const random = rng(42);
  const out: DemoSpan[] = [];
  for (let minute = fromMs; minute < toMs; minute += 60_000) {
    const hour = new Date(minute).getUTCHours() + new Date(minute).getUTCMinutes() / 60;
    // Busy in the (UTC) afternoon, quiet at night.
    const daily = 0.25 + 0.75 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI));
    const incident = minute >= incidentFromMs;
    for (const i of INTEGRATIONS) {
      let mean = i.peakPerMinute * daily;
      let bytes = i.requestBytes;
      let fields = i.fields;
      let pii = i.pii;
      if (incident && i.service === 'checkout') {
        mean *= INCIDENT.spikeFactor;
        bytes *= INCIDENT.bytesFactor;
      }
      if (incident && i.service === 'crm-sync') {
        fields = [...fields, INCIDENT.newField];
        pii = [...pii, INCIDENT.newPii];
      }
      const calls = poisson(mean, random);
      for (let c = 0; c < calls; c++) {
        out.push({ service: i.service, atMs: minute + Math.floor(random() * 60_000), host: i.host, route: i.route, method: i.method, requestBytes: Math.round(bytes * (0.8 + 0.4 * random())), fields, pii });
      }
    }
    if (incident) {
      out.push({ service: 'reporting', atMs: minute + 30_000, host: INCIDENT.newHost, route: '/api/v1/paste', method: 'POST', requestBytes: 40_000, fields: ['content:string', 'expiry:string'], pii: [] });
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** Groups spans into OTLP/JSON export requests of at most `perRequest` spans, one resource per service. */
export function otlpRequests(spans: readonly DemoSpan[], perRequest = 2000): string[] {
  const requests: string[] = [];
  for (let start = 0; start < spans.length; start += perRequest) {
    const byService = new Map<string, Record<string, unknown>[]>();
    spans.slice(start, start + perRequest).forEach((s, k) => {
      const n = start + k + 1;
      const startNs = BigInt(s.atMs) * 1_000_000n;
      const list = byService.get(s.service) ?? [];
      list.push({
        traceId: hex(n, 32),
        spanId: hex(n, 16),
        name: s.method,
        kind: 3,
        startTimeUnixNano: String(startNs),
        endTimeUnixNano: String(startNs + BigInt(40_000_000 + (n % 97) * 1_000_000)),
        attributes: [
          kv('http.request.method', s.method),
          kv('server.address', s.host),
          kv('server.port', 443),
          kv('url.template', s.route),
          kv('http.response.status_code', n % 211 === 0 ? 503 : 200),
          kv('http.request.body.size', s.requestBytes),
          kv('http.response.body.size', 1200),
          kv('egress.request.fields', s.fields),
          kv('egress.request.pii', s.pii),
        ],
      });
      byService.set(s.service, list);
    });
    requests.push(
      JSON.stringify({
        resourceSpans: [...byService].map(([service, list]) => ({
          resource: { attributes: [kv('service.name', service), kv('deployment.environment.name', 'demo')] },
          scopeSpans: [{ scope: { name: 'egresswatch-demo' }, spans: list }],
        })),
      }),
    );
  }
  return requests;
}
