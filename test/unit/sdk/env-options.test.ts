import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../packages/sdk/src/config-error.js';
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

describe('malformed EGRESSWATCH_* variables are configuration errors naming the bad entry', () => {
  it.each([
    ['EGRESSWATCH_VENDORS', 'garbage', /EGRESSWATCH_VENDORS: entry 'garbage' is not name=host\[:port\]/],
    ['EGRESSWATCH_VENDORS', 'billing=billing.internal,=api.x.com', /entry '=api.x.com'/],
    ['EGRESSWATCH_VENDORS', 'billing=https://billing.internal', /entry 'billing=https:\/\/billing.internal'.*is a URL/],
    ['EGRESSWATCH_VENDORS', 'billing=billing.internal:84x3', /port '84x3'/],
    ['EGRESSWATCH_VENDORS', 'billing=', /entry 'billing='.*is empty/],
    ['EGRESSWATCH_VENDORS', 'my vendor=api.x.com', /entry 'my vendor=api.x.com'/],
    ['EGRESSWATCH_IGNORE_HOSTS', 'metrics.internal,http://health.internal/ping', /EGRESSWATCH_IGNORE_HOSTS: entry 'http:\/\/health.internal\/ping'/],
    ['EGRESSWATCH_SHAPES', 'of', /EGRESSWATCH_SHAPES must be 'on' or 'off', got 'of'/],
    ['EGRESSWATCH_PHONE_REGIONS', 'US,UK', /EGRESSWATCH_PHONE_REGIONS: unknown region 'UK' — did you mean 'GB'/],
    ['EGRESSWATCH_MAX_BODY_BYTES', '64k', /EGRESSWATCH_MAX_BODY_BYTES must be a positive integer, got '64k'/],
  ])('%s=%s', (name, value, message) => {
    let thrown: unknown;
    try {
      optionsFromEnv({ [name]: value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).code).toBe('EW_ERR_CONFIG');
    expect((thrown as Error).message).toMatch(message);
  });

  it('accepts well-formed lists, with spaces and a trailing comma', () => {
    const options = optionsFromEnv({
      EGRESSWATCH_VENDORS: ' billing = billing.internal:8443 , billing=*.billing.internal, ledger=10.0.0.7,',
      EGRESSWATCH_IGNORE_HOSTS: 'metrics.internal, *.health.internal:9000',
      EGRESSWATCH_SHAPES: 'OFF',
      EGRESSWATCH_PHONE_REGIONS: 'us, gb',
    });
    expect(options.vendors).toEqual([
      { vendor: 'billing', hosts: ['billing.internal:8443', '*.billing.internal'] },
      { vendor: 'ledger', hosts: ['10.0.0.7'] },
    ]);
    expect(options.ignoreHosts).toEqual(['metrics.internal', '*.health.internal:9000']);
    expect(options.shapes?.enabled).toBe(false);
    expect(optionsFromEnv({ EGRESSWATCH_SHAPES: 'on' }).shapes?.enabled).toBe(true);
  });

  it('checks the same host patterns given as options', () => {
    expect(() => resolveCaptureSettings({ vendors: [{ vendor: 'billing', hosts: ['https://billing.internal'] }] })).toThrow(
      /vendors 'billing': host 'https:\/\/billing.internal' is a URL/,
    );
    expect(() => resolveCaptureSettings({ ignoreHosts: ['health.internal/ping'] })).toThrow(/ignoreHosts: host 'health.internal\/ping'/);
  });
});
