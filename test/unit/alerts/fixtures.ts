import { parseConfig, type Config } from '../../../common/config/index.js';
import type { Finding } from '../../../common/types.js';

/** A config with the given `alerts:` and `vendors:` sections. */
export function testConfig(alerts: Record<string, unknown> = {}, vendors: Record<string, unknown> = {}): Config {
  return parseConfig({ alerts: { runbook_base_url: 'http://127.0.0.1:4318', ...alerts }, vendors });
}

export const T0 = Date.parse('2026-11-23T10:00:00Z');
export const MIN = 60_000;

/** A volume spike finding on stripe/checkout at minute `i`. */
export function spike(i: number, overrides: Partial<Finding> = {}): Finding {
  return {
    kind: 'volume_spike',
    vendor: 'stripe',
    service: 'checkout',
    route: 'POST /v1/charges',
    at: T0 + i * MIN,
    value: 1240,
    expected: 80,
    score: 0.99,
    severity: 'critical',
    summary: 'checkout calls stripe POST /v1/charges 15x more than usual',
    ...overrides,
  };
}
