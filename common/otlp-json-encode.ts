import type { AttrValue, Attributes, DecodedResourceSpans } from './otlp-spans.js';

/*
 * The way back from the collector's decoded spans to OTLP/JSON (the mapping `spansFromOtlpJson`
 * reads): hex ids, int64 as decimal strings, lowerCamelCase. Only what egresswatch decodes is
 * written — kind, ids, times, attributes, status — so a recording holds shapes, never more.
 */

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: AnyValue[] };
}

function anyValue(v: AttrValue): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (typeof v === 'bigint') return { intValue: String(v) };
  return { arrayValue: { values: v.map(anyValue) } };
}

function keyValues(attrs: Attributes): { key: string; value: AnyValue }[] {
  return [...attrs].map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** One OTLP/JSON TracesData object (a line of `egresswatch record`'s output, once stringified). */
export function tracesDataJson(resourceSpans: readonly DecodedResourceSpans[], scopeName = 'egresswatch-record'): object {
  return {
    resourceSpans: resourceSpans.map((rs) => ({
      resource: { attributes: keyValues(rs.resource) },
      scopeSpans: [
        {
          scope: { name: scopeName },
          spans: rs.spans.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            kind: s.kind,
            startTimeUnixNano: s.startNs.toString(),
            endTimeUnixNano: s.endNs.toString(),
            attributes: keyValues(s.attributes),
            status: { code: s.statusCode },
          })),
        },
      ],
    })),
  };
}
