import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RpcStatus } from '../../../collector/otlp-schema.js';
import { useStartedInstance } from '../../helpers/egresswatch-process.js';
import { deepJsonRequest, deepProtobufRequest, largeRequest } from '../../helpers/otlp-bodies.js';

const TYPES = { json: 'application/json', protobuf: 'application/x-protobuf' } as const;
type Encoding = keyof typeof TYPES;

describe('requests built to hurt the decoders: nesting and size', () => {
  const started = useStartedInstance();

  const post = (body: Buffer, encoding: Encoding, gzip = false): Promise<Response> =>
    fetch(`${started.ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': TYPES[encoding], ...(gzip ? { 'content-encoding': 'gzip' } : {}) }, body });

  /** The message of an OTLP error answer, in the request's encoding. */
  const message = async (res: Response, encoding: Encoding): Promise<string> =>
    encoding === 'json'
      ? ((await res.json()) as { message: string }).message
      : (RpcStatus.decode(new Uint8Array(await res.arrayBuffer())).toJSON() as { message: string }).message;

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${started.ew.url}/metrics`)).text();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  };

  it.each(['json', 'protobuf'] as const)('answers 50,000 levels of nested %s attribute values with a 400 naming the bound, and serves the next request', async (encoding) => {
    const deep = encoding === 'json' ? deepJsonRequest : deepProtobufRequest;
    for (const kind of ['arrayValue', 'kvlistValue'] as const) {
      const res = await post(deep(50_000, kind), encoding);
      expect(res.status).toBe(400);
      expect(await message(res, encoding)).toMatch(/nests arrayValue\/kvlistValue more than 32 levels deep; send flatter attributes/);
    }
    // The bound, not a parser limit: 32 levels are taken.
    expect((await post(deep(32, 'arrayValue'), encoding)).status).toBe(200);
    expect((await fetch(`${started.ew.url}/healthz`)).status).toBe(200);
  });

  it('keeps answering /healthz while it decodes a maximal request, then stores every span of it', async () => {
    // ~60 MiB of OTLP/JSON once inflated (the default limit is 64 MiB), ~1 MiB gzip on the wire.
    const { body, spans } = largeRequest(60 * 1024 * 1024, 'json');
    const accepted = await metric('egresswatch_spans_accepted_total');
    let finished = false;
    const exported = post(gzipSync(body), 'json', true).finally(() => (finished = true));

    // The decode worker's gauge says when the body is being decoded; a /healthz answered
    // between two readings of 1 was answered while it was. An ordering, not a duration.
    let answeredDuringDecode = 0;
    while (!finished) {
      if ((await metric('egresswatch_decode_worker_requests')) >= 1) {
        const health = await fetch(`${started.ew.url}/healthz`);
        if (health.status === 200 && (await metric('egresswatch_decode_worker_requests')) >= 1) answeredDuringDecode++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const res = await exported;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(answeredDuringDecode).toBeGreaterThan(0);
    // Rows stored = spans accepted: the 200 came after all of them were written.
    expect((await metric('egresswatch_spans_accepted_total')) - accepted).toBe(spans);
  });

  it('decodes a large protobuf body sent without compression the same way', async () => {
    const { body, spans } = largeRequest(6 * 1024 * 1024, 'protobuf');
    const accepted = await metric('egresswatch_spans_accepted_total');
    const res = await post(body, 'protobuf');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-protobuf');
    expect((await metric('egresswatch_spans_accepted_total')) - accepted).toBe(spans);
    // A large body that is not OTLP is a 400 from the worker as from the event loop.
    const garbage = Buffer.alloc(2 * 1024 * 1024, 0x7b);
    const refused = await post(garbage, 'protobuf');
    expect(refused.status).toBe(400);
    expect(await message(refused, 'protobuf')).toMatch(/not a valid OTLP ExportTraceServiceRequest/);
  });
});
