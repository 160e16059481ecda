import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from '../../../collector/otlp-schema.js';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { jsonBody, jsonSpan } from '../../helpers/otlp-bodies.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A Twilio call as @opentelemetry/instrumentation-http describes it. */
const TWILIO = { 'http.request.method': 'POST', 'url.full': 'https://api.twilio.com/2010-04-01/Accounts/AC123456789/Messages.json' };
const twilioSpan = (index: number, overrides?: Record<string, unknown>): Record<string, unknown> => jsonSpan({ index, attributes: TWILIO, overrides });
const body = (spans: Record<string, unknown>[]): string => jsonBody(spans, 'notify');

describe('the collector answers bad input with the OTLP status codes and keeps serving', () => {
  const dir = tempDir();
  let ew: RunningInstance;
  let traces: string;
  beforeAll(async () => {
    ew = await startInstance(dir.path);
    traces = `${ew.url}/v1/traces`;
  });
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  // Like curl and the OTel exporters' node:http transport: the answer counts even when the
  // server stops reading an oversized body early (fetch would report only the EPIPE).
  const postRaw = (payload: Buffer, headers: Record<string, string>): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(traces, { method: 'POST', headers: { ...headers, 'content-length': String(payload.length) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (err) => (err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err)));
      req.end(payload);
    });

  // Without Content-Length (chunked, as a streaming sender does) the limit is found while reading.
  const postChunked = (payload: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(traces, { method: 'POST', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      for (let at = 0; at < payload.length; at += 64 * 1024) req.write(payload.subarray(at, at + 64 * 1024));
      req.end();
    });

  const post = (payload: string | Buffer, headers: Record<string, string>): Promise<Response> =>
    fetch(traces, { method: 'POST', headers, body: payload });

  it('400 for malformed protobuf, with a google.rpc.Status body', async () => {
    const res = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/x-protobuf');
  });

  it('400 for malformed JSON and for JSON that is not OTLP, saying what is wrong', async () => {
    const broken = await post('{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { message: string }).message).toMatch(/not valid JSON/);
    const wrong = await post(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz' }] }] }] }), { 'content-type': 'application/json' });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { message: string }).message).toMatch(/traceId/);
  });

  it('415 for a content type or encoding it does not speak', async () => {
    expect((await post('hello', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(body([twilioSpan(0)]), { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415);
  });

  it('413 for a body over the limit and for a gzip bomb', async () => {
    const huge = Buffer.alloc(9 * 1024 * 1024, 0x20);
    expect(await postRaw(huge, { 'content-type': 'application/json' })).toBe(413);
    // 100 MiB of zeros gzip to ~100 KiB: small on the wire, over the 64 MiB inflate limit.
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(await postRaw(bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).toBe(413);
    const streamed = await postChunked(huge, { 'content-type': 'application/json' });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.text)).toMatchObject({ code: 413, message: expect.stringContaining('send smaller batches') });
  });

  it('accepts gzip JSON and reports spans it cannot store as partial success', async () => {
    const payload = gzipSync(body([twilioSpan(0), twilioSpan(1, { traceId: '' }), twilioSpan(2, { kind: 'SPAN_KIND_SERVER' })]));
    const res = await post(payload, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess?.rejectedSpans).toBe('1');
    expect(answer.partialSuccess?.errorMessage).toMatch(/trace_id/);
  });

  it('shrugs off a sender that goes away in the middle of its body', async () => {
    const requestsWith = async (status: number): Promise<number> => {
      const metrics = await (await fetch(`${ew.url}/metrics`)).text();
      return Number(new RegExp(`egresswatch_otlp_requests_total\\{status="${status}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    };
    const [clientErrors, failures] = [await requestsWith(400), await requestsWith(500)];
    await new Promise<void>((resolve) => {
      const req = request(traces, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': '100000' } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(5000), () => setTimeout(() => req.destroy(), 50));
    });
    for (let i = 0; i < 50 && (await requestsWith(400)) === clientErrors; i++) await new Promise((r) => setTimeout(r, 20));
    // Counted as the sender's doing, not as a collector failure; the next sender is served.
    expect(await requestsWith(400)).toBe(clientErrors + 1);
    expect(await requestsWith(500)).toBe(failures);
    expect((await fetch(`${ew.url}/healthz`)).status).toBe(200);
  });

  it('answers protobuf with an ExportTraceServiceResponse and is still healthy after all of the above', async () => {
    const msg = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({ resourceSpans: [] })).finish();
    const res = await post(Buffer.from(msg), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    const decoded = ExportTraceServiceResponse.decode(new Uint8Array(await res.arrayBuffer())).toJSON();
    expect(decoded).toEqual({});
    expect((await fetch(`${ew.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${ew.url}/metrics`)).text();
    expect(metrics).toMatch(/egresswatch_spans_rejected_total\{reason="too_large"\} 3/);
    expect(metrics).toMatch(/egresswatch_spans_accepted_total 1/);
  });
});
