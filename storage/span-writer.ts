import { wrapStoreError, type Store } from './store.js';

/** One `egress_spans` row as inserted (JSONEachRow). */
export interface EgressSpanRow {
  /** Start time as `seconds.nanoseconds` since the epoch (exact for DateTime64(9)). */
  timestamp: string;
  trace_id: string;
  span_id: string;
  service: string;
  environment: string;
  vendor: string;
  host: string;
  method: string;
  route: string;
  status_code: number;
  error_type: string;
  duration_ns: number;
  request_bytes: number;
  response_bytes: number;
  request_fields: string[];
  request_pii: string[];
  response_fields: string[];
  response_pii: string[];
  shape_hash: string;
  attributes: Record<string, string>;
}

/**
 * Inserts rows into `egress_spans` in one statement; the materialized views fill the rollups
 * and the data map in the same insert. Resolves once the engine has written the part.
 */
export async function insertSpans(store: Store, rows: readonly EgressSpanRow[], timeoutMs: number): Promise<void> {
  if (rows.length === 0) return;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    // One statement with the rows inline: the client's per-row object stream costs more than
    // the serialisation itself (chDB joins the chunks into one statement anyway; a server
    // takes the same text as the POST body). The rows are JSON we produced, not user text.
    let body = 'INSERT INTO egress_spans FORMAT JSONEachRow\n';
    for (const row of rows) body += JSON.stringify(row) + '\n';
    await store.client.command({ query: body, abort_signal: abort.signal });
  } catch (err) {
    throw wrapStoreError(err, abort.signal.aborted ? `insert of ${rows.length} spans timed out after ${timeoutMs} ms` : `insert of ${rows.length} spans failed`);
  } finally {
    clearTimeout(timer);
  }
}
