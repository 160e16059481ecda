import { describe, expect, it } from 'vitest';
import { optionsFromEnv, parseKeyValues } from '../../../packages/sdk/src/env-options.js';
import { resolveCaptureSettings } from '../../../packages/sdk/src/settings.js';
import { ShapeSampler } from '../../../packages/sdk/src/shape-sampler.js';
import { tracesUrlOf } from '../../../packages/sdk/src/start.js';

describe('optionsFromEnv', () => {
  it('reads the standard OTEL_* variables', () => {
    const options = optionsFromEnv({
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=pay',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=pay',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      EGRESSWATCH_SHAPE_SAMPLE_EVERY: '10',
      EGRESSWATCH_VENDORS: 'billing=billing.internal:8443,billing=*.billing.internal',
    });
    expect(options).toMatchObject({
      serviceName: 'checkout',
      endpoint: 'http://collector:4318',
      headers: { authorization: 'Bearer abc', 'x-team': 'pay' },
      environment: 'prod',
      sampling: 0.25,
      shapes: { enabled: true, sampleEvery: 10 },
      vendors: [{ vendor: 'billing', hosts: ['billing.internal:8443', '*.billing.internal'] }],
    });
  });

  it('falls back to service.name in the resource attributes, and rejects bad numbers with the variable name', () => {
    expect(optionsFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=api' }).serviceName).toBe('api');
    expect(optionsFromEnv({}).serviceName).toBe('unknown_service:node');
    expect(() => optionsFromEnv({ EGRESSWATCH_SHAPE_SAMPLE_EVERY: '0' })).toThrow(/EGRESSWATCH_SHAPE_SAMPLE_EVERY/);
    expect(() => optionsFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });

  it('parses k=v lists leniently', () => {
    expect(parseKeyValues('a=1, b = x%2Cy ,broken,=v')).toEqual({ a: '1', b: 'x,y' });
  });
});

describe('settings', () => {
  it('resolves defaults and names the bad option', () => {
    const s = resolveCaptureSettings({});
    expect(s.maxBodyBytes).toBe(65536);
    expect(s.limits).toEqual({ maxFields: 256, maxDepth: 16 });
    expect(() => resolveCaptureSettings({ shapes: { maxFields: -1 } })).toThrow(/shapes.maxFields/);
    expect(() => resolveCaptureSettings({ pii: { customClasses: [{ name: 'Bad Name' }] } })).toThrow(/employee_id/);
  });

  it('builds the traces URL from a base endpoint', () => {
    expect(tracesUrlOf('http://h:4318')).toBe('http://h:4318/v1/traces');
    expect(tracesUrlOf('http://h:4318/')).toBe('http://h:4318/v1/traces');
    expect(tracesUrlOf('http://h/otlp/v1/traces')).toBe('http://h/otlp/v1/traces');
  });
});

describe('ShapeSampler', () => {
  it('captures the first call of each route and then 1 in N', () => {
    const sampler = new ShapeSampler(3);
    const picks = Array.from({ length: 7 }, () => sampler.shouldCapture('POST a/x'));
    expect(picks).toEqual([true, false, false, true, false, false, true]);
    expect(sampler.shouldCapture('POST a/y')).toBe(true);
  });
});
