import type { RequestOptions } from 'node:http';
import type { UndiciRequest } from '@opentelemetry/instrumentation-undici';
import { describe, expect, it } from 'vitest';
import { egressHttpHooks, hostWithoutPort } from '../../../packages/sdk/src/http-hooks.js';
import { resolveCaptureSettings, type EgressCaptureOptions } from '../../../packages/sdk/src/settings.js';
import { ShapeSampler } from '../../../packages/sdk/src/shape-sampler.js';
import { egressUndiciHooks } from '../../../packages/sdk/src/undici-hooks.js';

// The exporter's own requests are kept out of tracing by OTel itself; these hooks are what keeps
// the app's calls to the collector (and configured hosts) from becoming egress spans.
function ignored(options: EgressCaptureOptions) {
  const settings = resolveCaptureSettings(options);
  const http = egressHttpHooks(settings, new ShapeSampler(1));
  const undici = egressUndiciHooks(settings, new ShapeSampler(1));
  return {
    http: (request: RequestOptions) => http.ignoreOutgoingRequestHook?.(request) ?? false,
    fetch: (origin: string) => undici.ignoreRequestHook?.({ origin } as UndiciRequest) ?? false,
  };
}

describe('calls the SDK does not instrument', () => {
  it('ignores the collector under any loopback name and port form, and nothing else', () => {
    const { http, fetch } = ignored({ collectorUrl: 'http://127.0.0.1:4318/v1/traces' });
    expect(http({ hostname: 'localhost', port: 4318 })).toBe(true);
    expect(http({ hostname: '127.0.0.1', port: '4318' })).toBe(true);
    expect(http({ host: '::1', port: 4318 })).toBe(true);
    expect(http({ host: '[::1]', port: 4318 })).toBe(true);
    expect(fetch('http://[::1]:4318')).toBe(true);
    expect(fetch('http://localhost:4318')).toBe(true);
    expect(http({ hostname: '127.0.0.1', port: 4319 })).toBe(false);
    expect(http({ hostname: 'collector.example.com', port: 4318 })).toBe(false);
    expect(http({ hostname: 'api.stripe.com', port: 443, protocol: 'https:' })).toBe(false);
    expect(fetch('https://api.stripe.com')).toBe(false);
  });

  it('reads an empty port as the default one, as node:http does', () => {
    const { http, fetch } = ignored({ collectorUrl: 'http://collector.internal/v1/traces' });
    expect(http({ hostname: 'collector.internal', port: '' })).toBe(true);
    expect(http({ hostname: 'collector.internal' })).toBe(true);
    expect(fetch('http://collector.internal')).toBe(true);
    expect(http({ hostname: 'collector.internal', port: 443, protocol: 'https:' })).toBe(false);
  });

  it('ignores configured hosts on any port', () => {
    const { http, fetch } = ignored({ ignoreHosts: ['*.internal'] });
    expect(http({ hostname: 'metrics.internal', port: 9000 })).toBe(true);
    expect(fetch('https://flags.internal')).toBe(true);
    expect(http({ hostname: 'api.stripe.com', port: 9000 })).toBe(false);
  });

  it('takes the port off a host without breaking IPv6 addresses', () => {
    expect(hostWithoutPort('api.example.com:8443')).toBe('api.example.com');
    expect(hostWithoutPort('[::1]:4318')).toBe('[::1]');
    expect(hostWithoutPort('::1')).toBe('::1');
    expect(hostWithoutPort('fe80::1:4318')).toBe('fe80::1:4318');
    expect(hostWithoutPort(undefined)).toBe('localhost');
  });
});
