import { randomBytes } from 'node:crypto';
import { ExportTraceServiceRequest } from '../collector/otlp-schema.js';
import { protobufBatch } from './span-fixtures.js';

/** One export request in both OTLP encodings, carrying the same spans. */
export interface RequestPair {
  spans: number;
  protobuf: Buffer;
  json: Buffer;
}

interface JsonValue {
  [key: string]: unknown;
}

/**
 * The bench's spans (span-fixtures.ts) as one request in each encoding. The JSON is what
 * `@opentelemetry/exporter-trace-otlp-http` writes for such spans (its JSON_ENCODER): hex ids,
 * times as decimal strings, `intValue` as a number, and the fields it always sends (parent id,
 * empty events and links, dropped counts, status, flags), which JSON.parse has to read too. The
 * protobuf request leaves out the parent id and flags (the collector's schema does not declare
 * them; ~15 bytes a span, which the real proto exporter would add).
 */
export function requestPair(spans: number, seed: number): RequestPair {
  const protobuf = Buffer.from(protobufBatch(spans, seed));
  const message = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(protobuf), { longs: String, bytes: String }) as JsonValue;
  for (const rs of message['resourceSpans'] as JsonValue[]) {
    intsAsNumbers((rs['resource'] as JsonValue)['attributes'] as JsonValue[]);
    for (const ss of rs['scopeSpans'] as JsonValue[]) {
      ss['spans'] = (ss['spans'] as JsonValue[]).map((s) => {
        intsAsNumbers(s['attributes'] as JsonValue[]);
        return {
          traceId: Buffer.from(s['traceId'] as string, 'base64').toString('hex'),
          spanId: Buffer.from(s['spanId'] as string, 'base64').toString('hex'),
          parentSpanId: randomBytes(8).toString('hex'),
          name: s['name'],
          kind: s['kind'],
          startTimeUnixNano: s['startTimeUnixNano'],
          endTimeUnixNano: s['endTimeUnixNano'],
          attributes: s['attributes'],
          droppedAttributesCount: 0,
          events: [],
          droppedEventsCount: 0,
          status: { code: 0 },
          links: [],
          droppedLinksCount: 0,
          flags: 257,
        };
      });
    }
  }
  return { spans, protobuf, json: Buffer.from(JSON.stringify(message)) };
}

/** The OTel JSON exporter writes integer attributes as JSON numbers; protobufjs gave strings. */
function intsAsNumbers(attributes: JsonValue[] | undefined): void {
  for (const kv of attributes ?? []) {
    const value = kv['value'] as JsonValue;
    if (typeof value['intValue'] === 'string') value['intValue'] = Number(value['intValue']);
  }
}
