import type { EgressSpanRow } from './span-writer.js';

/** One `egress_fields` row: a field (or PII-only path) seen going to a vendor's route. */
export interface DataMapRow {
  vendor: string;
  service: string;
  route: string;
  direction: 'request' | 'response';
  field: string;
  /** '' for a PII entry whose path the field list does not hold. */
  type: string;
  /** '' for no class. */
  pii: string;
  firstSeenMs: number;
  lastSeenMs: number;
  calls: number;
}

interface ShapeCount {
  fields: readonly string[];
  pii: readonly string[];
  firstMs: number;
  lastMs: number;
  calls: number;
}

/**
 * Builds the data map (`egress_fields`) of a set of spans. Calls repeat a handful of shapes, so
 * spans are first counted per distinct (vendor, service, route, direction, field list, PII list)
 * — lists are shared arrays, so that is a lookup by identity — and only the distinct shapes are
 * split into field rows. This used to be two materialized views; in the engine they cost about
 * half of every insert's CPU, here a few map lookups per span.
 */
export class DataMapBuilder {
  /** `vendor \0 service \0 route \0 direction` → field list → PII list → count. */
  private readonly shapes = new Map<string, Map<readonly string[], Map<readonly string[], ShapeCount>>>();

  /** Counts one span's request and response shapes. */
  addSpan(row: EgressSpanRow): void {
    const ms = Number(row.timestamp_ns / 1_000_000n);
    const flow = `${row.vendor}\u0000${row.service}\u0000${row.route}\u0000`;
    if (row.request_fields.length > 0 || row.request_pii.length > 0) this.count(flow + 'request', row.request_fields, row.request_pii, ms, ms, 1);
    if (row.response_fields.length > 0 || row.response_pii.length > 0) this.count(flow + 'response', row.response_fields, row.response_pii, ms, ms, 1);
  }

  /** Counts `calls` spans of one shape seen between `firstMs` and `lastMs`. */
  addShape(key: { vendor: string; service: string; route: string; direction: 'request' | 'response' }, fields: readonly string[], pii: readonly string[], firstMs: number, lastMs: number, calls: number): void {
    if (fields.length === 0 && pii.length === 0) return;
    this.count(`${key.vendor}\u0000${key.service}\u0000${key.route}\u0000${key.direction}`, fields, pii, firstMs, lastMs, calls);
  }

  private count(flow: string, fields: readonly string[], pii: readonly string[], firstMs: number, lastMs: number, calls: number): void {
    let byFields = this.shapes.get(flow);
    if (!byFields) this.shapes.set(flow, (byFields = new Map()));
    let byPii = byFields.get(fields);
    if (!byPii) byFields.set(fields, (byPii = new Map()));
    const seen = byPii.get(pii);
    if (seen) {
      seen.firstMs = Math.min(seen.firstMs, firstMs);
      seen.lastMs = Math.max(seen.lastMs, lastMs);
      seen.calls += calls;
    } else byPii.set(pii, { fields, pii, firstMs, lastMs, calls });
  }

  /** The field rows of every shape counted (rows of one key may repeat; the table sums them). */
  rows(): DataMapRow[] {
    const out: DataMapRow[] = [];
    for (const [flow, byFields] of this.shapes) {
      const [vendor, service, route, direction] = flow.split('\u0000') as [string, string, string, 'request' | 'response'];
      for (const byPii of byFields.values()) {
        for (const shape of byPii.values()) {
          for (const [field, type, pii] of splitShape(shape.fields, shape.pii)) {
            out.push({ vendor, service, route, direction, field, type, pii, firstSeenMs: shape.firstMs, lastSeenMs: shape.lastMs, calls: shape.calls });
          }
        }
      }
    }
    return out;
  }
}

/** `path:suffix` → [path, suffix], split on the last ':' (the SDK keeps ':' out of paths). */
function splitEntry(entry: string): [string, string] {
  const cut = entry.lastIndexOf(':');
  return cut < 0 ? [entry, ''] : [entry.slice(0, cut), entry.slice(cut + 1)];
}

/**
 * One shape → (field, type, PII class) entries: each field joined with the classes recorded for
 * the same path ('' when none), then each PII entry whose path is not a field, with type ''.
 */
export function splitShape(fields: readonly string[], pii: readonly string[]): Array<[string, string, string]> {
  const classesByPath = new Map<string, string[]>();
  for (const entry of pii) {
    const [path, piiClass] = splitEntry(entry);
    const classes = classesByPath.get(path);
    if (classes) classes.push(piiClass);
    else classesByPath.set(path, [piiClass]);
  }
  const out: Array<[string, string, string]> = [];
  const fieldPaths = new Set<string>();
  for (const entry of fields) {
    const [path, type] = splitEntry(entry);
    fieldPaths.add(path);
    for (const piiClass of classesByPath.get(path) ?? ['']) out.push([path, type, piiClass]);
  }
  for (const entry of pii) {
    const [path, piiClass] = splitEntry(entry);
    if (!fieldPaths.has(path)) out.push([path, '', piiClass]);
  }
  return out;
}

/** Rows of the same key summed into one (chunks of one batch repeat the same fields). */
export function mergeDataMapRows(rows: readonly DataMapRow[]): DataMapRow[] {
  const merged = new Map<string, DataMapRow>();
  for (const row of rows) {
    const key = `${row.vendor}\u0000${row.service}\u0000${row.route}\u0000${row.direction}\u0000${row.field}\u0000${row.type}\u0000${row.pii}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, { ...row });
    else {
      seen.firstSeenMs = Math.min(seen.firstSeenMs, row.firstSeenMs);
      seen.lastSeenMs = Math.max(seen.lastSeenMs, row.lastSeenMs);
      seen.calls += row.calls;
    }
  }
  return [...merged.values()];
}
