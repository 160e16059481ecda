import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportTraceServiceRequest } from '../../../collector/otlp-schema.js';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { readStore, type StoredRows } from '../../helpers/read-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

/*
 * The OTLP/JSON edge cases of the spec (opentelemetry-proto docs/specification.md, "JSON Protobuf
 * Encoding"), end to end: posted to `egresswatch start` over HTTP, then read back from its store.
 * Each accepted JSON span is also sent as protobuf, built from plain values, with the same ids:
 * whatever the JSON form, the two rows of a span id must be identical.
 */

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
/** Now and 5.12 ms later, multiples of 1024 ns: as JSON numbers they are exact doubles (doubles near 1.8e18 are 256 apart). */
const NOW_NS = (BigInt(Date.now()) * 1_000_000n / 1024n) * 1024n;
const END_NS = NOW_NS + 5_120_000n;
/** 2^53 + 1: a JSON number cannot hold it, a string can. */
const PAST_2_53 = '9007199254740993';

type Json = Record<string, unknown>;
const spanId = (n: number): string => `eee19b7ec3c1b1${n.toString(16).padStart(2, '0')}`;
const str = (key: string, value: string): Json => ({ key, value: { stringValue: value } });
const int = (key: string, value: string | number): Json => ({ key, value: { intValue: value } });
const twilio = [str('http.request.method', 'POST'), str('url.full', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json')];

/** The spans as JSON, each under its own resource and scope so that each tests one thing. */
const cases: { name: string; bare?: true; span: Json; stored: boolean }[] = [
  // proto3 JSON: int64 as a decimal string (what the OTel JS exporter writes for times) or a number.
  { name: 'times as strings', span: { spanId: spanId(1), kind: 3, startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(END_NS), attributes: twilio }, stored: true },
  { name: 'times as numbers', span: { spanId: spanId(2), kind: 3, startTimeUnixNano: Number(NOW_NS), endTimeUnixNano: Number(END_NS), attributes: twilio }, stored: true },
  {
    name: 'intValue as string, as number, past 2^53 as string',
    span: {
      spanId: spanId(3),
      kind: 3,
      startTimeUnixNano: String(NOW_NS),
      endTimeUnixNano: String(END_NS),
      attributes: [...twilio, int('http.request.body.size', '1234'), int('http.response.body.size', 56), int('http.response.status_code', '201'), int('app.id', PAST_2_53)],
    },
    stored: true,
  },
  { name: 'kind by name', span: { spanId: spanId(4), kind: 'SPAN_KIND_CLIENT', startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(END_NS), attributes: twilio }, stored: true },
  // Optional fields missing: no resource, no scope, no name, status, parent, events or links.
  { name: 'optional fields missing', bare: true, span: { spanId: spanId(5), kind: 3, startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(END_NS), attributes: twilio }, stored: true },
  {
    name: 'unknown fields at every level',
    span: {
      spanId: spanId(6),
      kind: 3,
      startTimeUnixNano: String(NOW_NS),
      endTimeUnixNano: String(END_NS),
      attributes: [...twilio, { key: 'app.region', value: { stringValue: 'eu', futureValue: { x: [1, null] } }, futureKey: true }],
      futureField: { nested: [1, 2.5, 'x', null, {}] },
      status: { code: 2, futureStatus: 'x' },
    },
    stored: true,
  },
  // Not egress (a server span): skipped by design, not reported as rejected.
  { name: 'server kind as number', span: { spanId: spanId(7), kind: 2, startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(END_NS), attributes: twilio }, stored: false },
  // Ids of the wrong length: hex, but 15 and 6 bytes. Rejected, and the sender is told why.
  { name: 'trace id of 15 bytes', span: { traceId: TRACE_ID.slice(2), spanId: spanId(8), kind: 3, startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(END_NS), attributes: twilio }, stored: false },
  { name: 'span id of 6 bytes', span: { spanId: 'eee19b7ec3c1', kind: 3, startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(END_NS), attributes: twilio }, stored: false },
];

const SERVICE = { attributes: [str('service.name', 'edge'), { key: 'futureResourceField', value: { intValue: 1 } }], futureField: 1 };
const jsonRequest = (): Json => ({
  resourceSpans: cases.map(({ bare, span }) => ({
    ...(bare ? {} : { resource: SERVICE }),
    scopeSpans: [{ ...(bare ? {} : { scope: { name: 'edge', version: '1', futureScope: [] } }), spans: [{ traceId: TRACE_ID, ...span }] }],
    futureResourceSpans: 'x',
  })),
  futureTopLevel: { a: 1 },
});

/** The stored spans again, as protobuf built from plain values (ids as bytes, int64 exact). */
function protobufRequest(): Buffer {
  // Without the unknown fields, which protobuf has no place for.
  const plain = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(plain);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('future')).map(([k, v]) => [k, plain(v)]));
  };
  const resourceSpans = cases
    .filter((c) => c.stored)
    .map(({ bare, span }) => ({ bare, span: plain(span) as Json }))
    .map(({ bare, span }) => ({
      ...(bare ? {} : { resource: plain(SERVICE) }),
      scopeSpans: [{ spans: [{ ...span, kind: 3, traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(span['spanId'] as string, 'hex'), startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(END_NS) }] }],
    }));
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({ resourceSpans })).finish());
}

describe('OTLP/JSON edge cases over HTTP, read back from the store', () => {
  const dir = tempDir();
  let ew: RunningInstance | undefined;
  const answers: Record<string, { status: number; body: unknown }> = {};
  let rows: StoredRows = [];

  beforeAll(async () => {
    ew = await startInstance(dir.path);
    const post = async (name: string, body: string | Buffer, contentType: string): Promise<void> => {
      const res = await fetch(`${ew!.url}/v1/traces`, { method: 'POST', headers: { 'content-type': contentType }, body });
      answers[name] = { status: res.status, body: contentType === 'application/json' ? await res.json() : res.status };
    };
    await post('edge cases', JSON.stringify(jsonRequest()), 'application/json');
    await post('protobuf', protobufRequest(), 'application/x-protobuf');
    await post('empty resourceSpans', '{"resourceSpans":[]}', 'application/json');
    await post('empty object', '{}', 'application/json');
    await post('empty scopeSpans and spans', '{"resourceSpans":[{"scopeSpans":[]},{"scopeSpans":[{"spans":[]}]}]}', 'application/json');
    // The embedded store belongs to `start`: read it once that has stopped.
    await ew.stop();
    rows = readStore(dir.path, { spans: "SELECT * FROM egress_spans ORDER BY span_id" })['spans']!;
  }, 180_000);
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('accepts the request, reporting the two spans with ids of the wrong length as rejected, with the reason', () => {
    expect(answers['edge cases']!.status).toBe(200);
    expect(answers['edge cases']!.body).toEqual({ partialSuccess: { rejectedSpans: '2', errorMessage: '2 span(s): trace_id/span_id missing or not 16/8 bytes' } });
    expect(answers['protobuf']!.status).toBe(200);
  });

  it('answers an empty request with an empty success', () => {
    for (const name of ['empty resourceSpans', 'empty object', 'empty scopeSpans and spans']) expect(answers[name], name).toEqual({ status: 200, body: {} });
  });

  it('stores each accepted JSON span as its protobuf form stores it, and nothing else', () => {
    const expected = cases.filter((c) => c.stored).map((c) => c.span['spanId'] as string);
    expect(rows.map((r) => r['span_id'])).toEqual(expected.flatMap((id) => [id, id]));
    for (let i = 0; i < rows.length; i += 2) expect(rows[i], String(rows[i]!['span_id'])).toEqual(rows[i + 1]);
  });

  it('reads times, integers and kinds whichever JSON form they come in', () => {
    // Both copies of each span (the JSON one and the protobuf one), whichever sorted first.
    const check = (n: number, expectation: (row: Record<string, unknown>) => void): void => {
      const copies = rows.filter((r) => r['span_id'] === spanId(n));
      expect(copies, `span ${n}`).toHaveLength(2);
      for (const row of copies) expectation(row);
    };
    const nanos = String(NOW_NS % 1_000_000_000n).padStart(9, '0');
    for (const n of [1, 2, 4]) {
      check(n, (row) => {
        expect(String(row['timestamp']), `span ${n}`).toMatch(new RegExp(`\\.${nanos}$`));
        expect(Number(row['duration_ns'])).toBe(5_120_000);
      });
    }
    check(3, (row) => {
      expect(row).toMatchObject({ request_bytes: 1234, response_bytes: 56, status_code: 201 });
      // Past 2^53 both decoders keep the exact digits, from the JSON string as from the varint.
      expect((row['attributes'] as Record<string, string>)['app.id']).toBe(PAST_2_53);
    });
    check(5, (row) => expect(row).toMatchObject({ service: 'unknown_service', vendor: 'twilio', error_type: '' }));
    check(6, (row) => {
      expect(row).toMatchObject({ service: 'edge', error_type: '_OTHER' });
      expect((row['attributes'] as Record<string, string>)['app.region']).toBe('eu');
    });
  });
});
