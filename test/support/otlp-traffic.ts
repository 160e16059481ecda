import { randomBytes } from 'node:crypto';

/** One outbound call as the egresswatch SDK reports it. */
export interface TrafficSpan {
  spanId: string;
  service: string;
  host: string;
  route: string;
  method: string;
  atMs: number;
  fields: readonly string[];
  pii: readonly string[];
  status?: number;
}

/** What a sender saw: which requests were acknowledged (200) and which needed more than one try. */
export interface SendReport {
  /** Span ids of every acknowledged request. */
  acknowledged: Set<string>;
  /** Span ids of requests that failed at least once before their 200 (possibly written twice). */
  retried: Set<string>;
  attempts: number;
}

/** The first characters of every span id this process makes: its spans are `startsWith(span_id, spanRunPrefix)`. */
export const spanRunPrefix = randomBytes(4).toString('hex');
let counter = 0;

/** A span id unique to this test run. */
export function spanId(): string {
  return `${spanRunPrefix}${(counter++).toString(16).padStart(8, '0')}`;
}

/** `count` calls of one integration spread over the minute that starts at `minuteMs`. */
export function callsInMinute(minuteMs: number, count: number, call: Omit<TrafficSpan, 'spanId' | 'atMs'>, notAfterMs = Number.POSITIVE_INFINITY): TrafficSpan[] {
  return Array.from({ length: count }, (_, i) => ({ ...call, spanId: spanId(), atMs: Math.min(minuteMs + Math.floor(((i + 0.5) * 60_000) / count), notAfterMs) }));
}

const kv = (key: string, value: string | number | readonly string[]): Record<string, unknown> =>
  Array.isArray(value)
    ? { key, value: { arrayValue: { values: value.map((v: string) => ({ stringValue: v })) } } }
    : { key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } };

/** An OTLP/JSON export request, one resource per service, as an exporter sends it. */
export function otlpJson(spans: readonly TrafficSpan[]): string {
  const byService = new Map<string, Record<string, unknown>[]>();
  for (const s of spans) {
    const startNs = BigInt(s.atMs) * 1_000_000n;
    const list = byService.get(s.service) ?? [];
    list.push({
      traceId: s.spanId.padStart(32, '0'),
      spanId: s.spanId,
      name: s.method,
      kind: 3,
      startTimeUnixNano: String(startNs),
      endTimeUnixNano: String(startNs + 40_000_000n),
      attributes: [
        kv('http.request.method', s.method),
        kv('server.address', s.host),
        kv('server.port', 443),
        kv('url.template', s.route),
        kv('http.response.status_code', s.status ?? 200),
        kv('http.request.body.size', 300),
        kv('egress.request.fields', s.fields),
        kv('egress.request.pii', s.pii),
      ],
    });
    byService.set(s.service, list);
  }
  return JSON.stringify({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [kv('service.name', service), kv('deployment.environment.name', 'scale-test')] },
      scopeSpans: [{ scope: { name: 'egresswatch-scale-test' }, spans: list }],
    })),
  });
}

/**
 * Sends each request to `url` (`…/v1/traces`) with `concurrency` in flight, retrying as OTLP
 * exporters do (429, 502, 503, 504 and connection errors, with backoff) until acknowledged or
 * `deadlineMs` passes, which fails.
 */
export async function sendTraffic(url: string, requests: readonly (readonly TrafficSpan[])[], options: { concurrency?: number; deadlineMs?: number } = {}): Promise<SendReport> {
  const report: SendReport = { acknowledged: new Set(), retried: new Set(), attempts: 0 };
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  let nextIndex = 0;
  const one = async (spans: readonly TrafficSpan[]): Promise<void> => {
    const body = otlpJson(spans);
    for (let attempt = 0; ; attempt++) {
      report.attempts++;
      let status: number;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(30_000) });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      if (status === 200) {
        for (const s of spans) report.acknowledged.add(s.spanId);
        if (attempt > 0) for (const s of spans) report.retried.add(s.spanId);
        return;
      }
      if (![0, 429, 502, 503, 504].includes(status)) throw new Error(`the collector refused a request for good: HTTP ${status}`);
      if (Date.now() > deadline) throw new Error(`a request was not acknowledged before the deadline (last answer: HTTP ${status})`);
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1_000)));
    }
  };
  const lanes = Array.from({ length: options.concurrency ?? 4 }, async () => {
    while (nextIndex < requests.length) await one(requests[nextIndex++]!);
  });
  await Promise.all(lanes);
  return report;
}
