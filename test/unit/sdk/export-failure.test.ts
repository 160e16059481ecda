import { describe, expect, it } from 'vitest';
import { exportFailureOf } from '../../../packages/sdk/src/export-watch.js';

const withCode = (message: string, code: unknown): Error => Object.assign(new Error(message), { code });

describe('exportFailureOf', () => {
  it.each([
    ['HTTP 401 (OTLPExporterError code)', withCode('Unauthorized', 401), { kind: 'refused', status: 401 }],
    ['HTTP 403', withCode('Forbidden', 403), { kind: 'refused', status: 403 }],
    ['HTTP 400', withCode('Bad Request', 400), { kind: 'other' }],
    ['HTTP 413', withCode('Payload Too Large', 413), { kind: 'other' }],
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:4318', 'ECONNREFUSED'), { kind: 'unreachable', code: 'ECONNREFUSED' }],
    ['unknown host', withCode('getaddrinfo ENOTFOUND collector', 'ENOTFOUND'), { kind: 'unreachable', code: 'ENOTFOUND' }],
    ['happy-eyeballs AggregateError', new AggregateError([withCode('connect ECONNREFUSED ::1:4318', 'ECONNREFUSED')]), { kind: 'unreachable', code: 'ECONNREFUSED' }],
    ['timeout', new Error('Request timed out'), { kind: 'other' }],
    ['no error', undefined, { kind: 'other' }],
  ])('%s', (_, error, expected) => {
    expect(exportFailureOf(error)).toEqual(expected);
  });
});
