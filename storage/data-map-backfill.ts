import { DataMapBuilder, mergeDataMapRows } from './data-map.js';
import { insertDataMapRows } from './span-writer.js';
import { wrapStoreError, type Store } from './store.js';

/** Which stored spans to build the data map of: a time range and, optionally, one flow. */
export interface DataMapBackfill {
  fromMs: number;
  toMs: number;
  vendor?: string;
  service?: string;
  route?: string;
}

interface StoredShape {
  vendor: string;
  service: string;
  route: string;
  request_fields: string[];
  request_pii: string[];
  response_fields: string[];
  response_pii: string[];
  first_ms: number;
  last_ms: number;
  calls: number;
}

/**
 * Adds to the data map the shapes of spans already in `egress_spans` that did not come through
 * the span writer (spans generated with SQL, an import): the same counting and splitting as at
 * ingest (`DataMapBuilder`). Run it once per range: entries are added, not replaced. Returns
 * the number of entries written.
 */
export async function recordDataMapFromSpans(store: Store, range: DataMapBackfill): Promise<number> {
  try {
    const shapes = await (
      await store.client.query({
        query: `SELECT vendor, service, route, request_fields, request_pii, response_fields, response_pii,
                       toUnixTimestamp64Milli(min(timestamp)) AS first_ms, toUnixTimestamp64Milli(max(timestamp)) AS last_ms, count() AS calls
                FROM egress_spans
                WHERE timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND timestamp < fromUnixTimestamp64Milli({to:Int64})
                  AND ({vendor:String} = '' OR vendor = {vendor:String})
                  AND ({service:String} = '' OR service = {service:String})
                  AND ({route:String} = '' OR route = {route:String})
                GROUP BY vendor, service, route, request_fields, request_pii, response_fields, response_pii`,
        query_params: { from: range.fromMs, to: range.toMs, vendor: range.vendor ?? '', service: range.service ?? '', route: range.route ?? '' },
        format: 'JSONEachRow',
      })
    ).json<StoredShape>();
    const map = new DataMapBuilder();
    for (const s of shapes) {
      const flow = { vendor: s.vendor, service: s.service, route: s.route };
      const [first, last, calls] = [Number(s.first_ms), Number(s.last_ms), Number(s.calls)];
      map.addShape({ ...flow, direction: 'request' }, s.request_fields, s.request_pii, first, last, calls);
      map.addShape({ ...flow, direction: 'response' }, s.response_fields, s.response_pii, first, last, calls);
    }
    const rows = mergeDataMapRows(map.rows());
    if (rows.length > 0) await insertDataMapRows(store, rows);
    return rows.length;
  } catch (err) {
    throw wrapStoreError(err, 'building the data map from stored spans failed');
  }
}
