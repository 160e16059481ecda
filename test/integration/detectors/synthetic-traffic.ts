import type { Store } from '../../../storage/store.js';

/** One synthetic (service → vendor) flow, generated server-side with INSERT … SELECT. */
export interface Flow {
  service: string;
  vendor: string;
  host: string;
  route: string;
  /** Mean calls per minute in business hours (08–18 UTC, weekdays); nights 30%, weekends 50% of that. */
  perMinute: number;
  requestBytes: number;
  fields: string[];
  pii: string[];
  /** Share of calls answered 500. */
  errorRate?: number;
  durationMs?: number;
  seed: number;
}

function dt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Inserts Poisson-like traffic for a flow over [from, to) straight into egress_spans; the
 * materialized views fill egress_minute and egress_fields. `factor` scales the rate (incidents).
 */
export async function insertFlow(store: Store, flow: Flow, from: number, to: number, factor = 1): Promise<void> {
  const minutes = Math.round((to - from) / 60_000);
  // Each minute has K candidate calls, each kept with probability rate/K: a binomial close to Poisson.
  const k = Math.max(4, Math.ceil(flow.perMinute * factor * 3));
  await store.client.command({
    query: `INSERT INTO egress_spans (timestamp, trace_id, span_id, service, environment, vendor, host, method, route, status_code, error_type,
              duration_ns, request_bytes, response_bytes, request_fields, request_pii, response_fields, response_pii, shape_hash, attributes)
            SELECT ts, '', '', {service:String}, 'prod', {vendor:String}, {host:String}, 'POST', {route:String},
                   if(cityHash64(number, {seed:UInt64}, 7) % 1000 < {errors:UInt32}, 500, 200), '',
                   toUInt64({duration:Float64} * 1e6 * (0.8 + (cityHash64(number, {seed:UInt64}, 3) % 400) / 1000)),
                   toUInt64({bytes:Float64} * (0.9 + (cityHash64(number, {seed:UInt64}, 5) % 200) / 1000)), 300,
                   {fields:Array(String)}, {pii:Array(String)}, ['id:string'], [], '', map()
            FROM (
              SELECT number, toDateTime64({from:DateTime}, 9, 'UTC') + toIntervalSecond(intDiv(number, {k:UInt32}) * 60 + (number % {k:UInt32}) * 59 / {k:UInt32}) AS ts
              FROM numbers({rows:UInt64})
            )
            WHERE (cityHash64(number, {seed:UInt64}) % 100000) / 100000 <
                  {rate:Float64} * if(toHour(ts) >= 8 AND toHour(ts) < 18, 1, 0.3) * if(toDayOfWeek(ts) >= 6, 0.5, 1) / {k:UInt32}`,
    query_params: {
      service: flow.service,
      vendor: flow.vendor,
      host: flow.host,
      route: flow.route,
      seed: flow.seed + Math.floor(from / 60_000),
      errors: Math.round((flow.errorRate ?? 0.01) * 1000),
      duration: flow.durationMs ?? 120,
      bytes: flow.requestBytes,
      fields: flow.fields,
      pii: flow.pii,
      from: dt(from),
      k,
      rows: minutes * k,
      rate: flow.perMinute * factor,
    },
  });
}
