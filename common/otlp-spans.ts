import { z } from 'zod';
import { DecodeError } from './errors.js';

/*
 * OTLP trace data as plain spans: what the collector normalises and what `policy check --spans`
 * reads from a recorded file, plus the OTLP/JSON mapping. The protobuf wire reader is
 * collector/otlp-protobuf.ts.
 */

/** An attribute value after decoding; nested kvlists are flattened away (egress needs none). */
export type AttrValue = string | number | boolean | AttrValue[];
export type Attributes = Map<string, AttrValue>;

/** One span as the collector sees it, whichever encoding it came in. */
export interface DecodedSpan {
  /** Lowercase hex, as both decoders produce it (length is for the consumer to check). */
  traceId: string;
  /** Lowercase hex. */
  spanId: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

/** Spans grouped under the resource that sent them. */
export interface DecodedResourceSpans {
  resource: Attributes;
  spans: DecodedSpan[];
}

// ---------------------------------------------------------------- JSON (OTLP/JSON mapping)

const int64 = z.union([z.string().regex(/^-?\d+$/, 'must be an integer'), z.number().int()]);
type JsonAny = {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | string | undefined;
  arrayValue?: { values?: JsonAny[] | undefined } | undefined;
  kvlistValue?: unknown;
  bytesValue?: string | undefined;
};
const anyValue: z.ZodType<JsonAny> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: int64.optional(),
    doubleValue: z.union([z.number(), z.string()]).optional(),
    arrayValue: z.object({ values: z.array(anyValue).optional() }).optional(),
    kvlistValue: z.unknown().optional(),
    bytesValue: z.string().optional(),
  }),
);
const keyValues = z.array(z.object({ key: z.string(), value: anyValue.optional() })).optional();
const spanKind = z.union([
  z.number().int().min(0).max(5),
  z.enum(['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER']),
]);
const statusCode = z.union([z.number().int(), z.enum(['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'])]);
const hexId = z.string().regex(/^([0-9a-fA-F]{2})*$/, 'must be a hex string');

const jsonRequest = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValues }).optional(),
        scopeSpans: z
          .array(
            z.object({
              spans: z
                .array(
                  z.object({
                    traceId: hexId.optional(),
                    spanId: hexId.optional(),
                    kind: spanKind.optional(),
                    startTimeUnixNano: int64.optional(),
                    endTimeUnixNano: int64.optional(),
                    attributes: keyValues,
                    status: z.object({ code: statusCode.optional() }).optional(),
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function jsonValue(v: JsonAny | undefined): AttrValue | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined) {
    const out: AttrValue[] = [];
    for (const item of v.arrayValue.values ?? []) {
      const x = jsonValue(item);
      if (x !== undefined) out.push(x);
    }
    return out;
  }
  return undefined;
}

function jsonAttributes(list: z.infer<typeof keyValues>): Attributes {
  const out: Attributes = new Map();
  for (const kv of list ?? []) {
    const v = jsonValue(kv.value);
    if (v !== undefined) out.set(kv.key, v);
  }
  return out;
}

/** Decodes an `application/json` ExportTraceServiceRequest (OTLP/JSON: hex ids, lowerCamelCase). */
export function decodeJson(body: Buffer): DecodedResourceSpans[] {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new DecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
  return spansFromOtlpJson(raw);
}

/**
 * Spans from a parsed OTLP/JSON ExportTraceServiceRequest or TracesData (the same shape: what
 * the OTel Collector's file exporter writes, one per line). `what` opens the DecodeError's
 * sentence when it is neither.
 */
export function spansFromOtlpJson(raw: unknown, what = 'body is not an OTLP/JSON ExportTraceServiceRequest'): DecodedResourceSpans[] {
  const parsed = jsonRequest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DecodeError(`${what}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return (parsed.data.resourceSpans ?? []).map((rs) => ({
    resource: jsonAttributes(rs.resource?.attributes),
    spans: (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: (s.traceId ?? '').toLowerCase(),
        spanId: (s.spanId ?? '').toLowerCase(),
        kind: typeof s.kind === 'string' ? KIND_NAMES[s.kind]! : (s.kind ?? 0),
        startNs: BigInt(s.startTimeUnixNano ?? 0),
        endNs: BigInt(s.endTimeUnixNano ?? 0),
        attributes: jsonAttributes(s.attributes),
        statusCode: typeof s.status?.code === 'string' ? STATUS_NAMES[s.status.code]! : (s.status?.code ?? 0),
      })),
    ),
  }));
}
