import { wrapStoreError, type Store } from './store.js';

/** One (vendor, service, route, field, PII class) the data map saw in requests. */
export interface PiiFlow {
  vendor: string;
  service: string;
  route: string;
  field: string;
  pii: string;
  calls: number;
  /** RFC 3339; undefined when unknown (offline spans). */
  lastSeen?: string | undefined;
}

/** PII classes sent in requests (the data map, `egress_fields`) seen at or after `sinceMs`. */
export async function selectRequestPiiFlows(store: Store, sinceMs: number): Promise<PiiFlow[]> {
  try {
    const rs = await store.client.query({
      query: `
        SELECT vendor, service, route, field, pii, sum(calls) AS n, max(last_seen) AS seen
        FROM egress_fields
        WHERE direction = 'request' AND pii != ''
        GROUP BY vendor, service, route, field, pii
        HAVING seen >= fromUnixTimestamp64Milli({since:Int64})
        ORDER BY vendor, route, field, pii, service`,
      query_params: { since: sinceMs },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ vendor: string; service: string; route: string; field: string; pii: string; n: number; seen: string }>();
    return rows.map((r) => ({
      vendor: r.vendor,
      service: r.service,
      route: r.route,
      field: r.field,
      pii: r.pii,
      calls: Number(r.n),
      lastSeen: new Date(`${r.seen.replace(' ', 'T')}Z`).toISOString(),
    }));
  } catch (err) {
    throw wrapStoreError(err, 'cannot read the data map');
  }
}
