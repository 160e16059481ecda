import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { templatePath } from '@egresswatch/sdk/shared/route-template';
import { normalizeSpan } from '../../../collector/normalize.js';
import { redactAttributes } from '../../../collector/redact.js';
import type { AttrValue } from '../../../common/otlp-spans.js';

/*
 * The collector's caches keep what a sender wrote as their keys. A key of any length was kept:
 * 100 requests with a distinct 1 MB attribute key held +102 MB (10,000 kept: 10 GB), 200 with a
 * 1 MB url.path +201 MB (2,048 kept: 2 GB), 80 with a 1 MB egress.request.fields list +95 MB.
 * Long keys are now judged each time and not kept: the same requests hold 1-2 MB.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap growth in MB after `n` calls of `call` (each with its own 1 MB string), once collected. */
function retainedMb(n: number, call: (i: number) => void): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) call(i);
  gc();
  return (process.memoryUsage().heapUsed - before) / 1e6;
}

const options = { configVendors: [], ignoreHosts: [], maxAgeMs: 86_400_000 };
const span = (attributes: [string, AttrValue][]) => ({
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  kind: 3,
  startNs: BigInt(Date.now()) * 1_000_000n,
  endNs: BigInt(Date.now()) * 1_000_000n + 5_000_000n,
  statusCode: 0,
  attributes: new Map<string, AttrValue>([['http.request.method', 'POST'], ['server.address', 'api.example.com'], ...attributes]),
});

describe('caches do not keep what a sender makes long', () => {
  it('does not keep 1 MB attribute keys', () => {
    const mb = retainedMb(60, (i) => {
      expect(redactAttributes(new Map([[`${i}${'k'.repeat(1_000_000)}`, 'v']]), new Map())).toEqual({});
    });
    expect(mb).toBeLessThan(20);
  });

  it('does not keep 1 MB paths', () => {
    const mb = retainedMb(60, (i) => {
      expect(templatePath(`/${i}/${'x'.repeat(1_000_000)}`)).toBe(`/{id}/{id}`);
    });
    expect(mb).toBeLessThan(20);
  });

  it('does not keep 1 MB field lists, and stores what it stored before', () => {
    const mb = retainedMb(60, (i) => {
      const list = [`n${i}:string`, ...Array.from({ length: 20_000 }, (_, j) => `f${j}.${'y'.repeat(40)}:string`)];
      const result = normalizeSpan(span([['egress.request.fields', list]]), new Map(), options);
      expect('row' in result && result.row.request_fields.length).toBe(512);
    });
    expect(mb).toBeLessThan(20);
  });

  it('keeps at most a few MB of distinct field lists just under the cached size', () => {
    // 2,000 distinct ~15 KB lists (each cached: under 16,384 characters of JSON): 30 MB of keys
    // and as much again of validated lists when the cache was bounded by count alone.
    const mb = retainedMb(2_000, (i) => {
      const list = [`n${i}:string`, ...Array.from({ length: 280 }, (_, j) => `f${j}.${'z'.repeat(40)}:string`)];
      const result = normalizeSpan(span([['egress.request.fields', list]]), new Map(), options);
      expect('row' in result && result.row.request_fields.length).toBe(281);
    });
    expect(mb).toBeLessThan(20);
  });
});
