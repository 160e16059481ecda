import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import { parseConfig } from '../../../common/config/index.js';
import type { MapField, RouteActivity } from '../../../common/history.js';
import { detectPii } from '../../../detectors/pii-detector.js';

/**
 * The exact text of pii_new and pii_violation findings: summary and details are stored at every
 * state change and sent to every receiver, so a change to them is a change a user sees. Field
 * and service names arrive in any order and the text lists them sorted, the first 10 in the
 * summary and the first 50 in details, with the totals past that.
 */

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 23, 12, 0);
const window = { from: NOW - 60_000, to: NOW };
const LONG_AGO = NOW - 10 * 24 * HOUR;
const routes: RouteActivity[] = [{ vendor: 'stripe', route: '/v1/charges', firstSeen: LONG_AGO, recentCalls: 1200 }];
const policy = (vendors: Record<string, unknown> = {}) => parseConfig({ vendors });

function field(over: Partial<MapField>): MapField {
  return { vendor: 'stripe', service: 'checkout', route: '/v1/charges', direction: 'request', field: 'amount', type: 'string', pii: 'ssn', firstSeen: NOW - 20_000, lastSeen: NOW - 10_000, calls: 5, ...over };
}
/** `count` names in reverse order, so the text's order is its own sort. */
const names = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${String(count - i).padStart(2, '0')}`);

/** `prefix01`… `prefixNN` joined as the text lists them, and how many more. */
const listed = (prefix: string, count: number, sep: string, more?: number): string => [...names(prefix, count).reverse(), ...(more ? [`… ${more} more`] : [])].join(sep);

/** As JSON: key order included, that is what is stored and sent. */
const text = (findings: unknown): string => JSON.stringify(findings, null, 1);

describe('pii finding texts', () => {
  it('a class new on a known vendor that its policy does not allow: both findings, fields sorted, the summary cut at 10', () => {
    const fields = [...names('customer.ssn_', 11).map((f) => field({ field: f })), field({ field: 'holder.ssn', direction: 'response', service: 'billing' })];
    const findings = detectPii(fields, routes, policy({ stripe: { allow_pii: ['email', 'card'] } }), window, DEFAULT_DETECTION_CONFIG);
    const common = { route: '/v1/charges', field: 'customer.ssn_01', at: window.from, score: 1, severity: 'critical' };
    expect(text(findings)).toBe(
      text([
        {
          kind: 'pii_new',
          vendor: 'stripe',
          service: '',
          ...common,
          summary: `ssn data is now sent to stripe /v1/charges (field ${listed('customer.ssn_', 10, ', ', 2)}); it was not before.`,
          details: { pii: 'ssn', tier: 'special_category', fields: `${listed('customer.ssn_', 11, ',')},response holder.ssn`, services: 'billing,checkout' },
        },
        {
          kind: 'pii_violation',
          vendor: 'stripe',
          service: 'checkout',
          ...common,
          summary: `stripe /v1/charges receives ssn data (field ${listed('customer.ssn_', 10, ', ', 1)}), which its policy does not allow (allowed: email, card).`,
          details: { pii: 'ssn', tier: 'special_category', fields: listed('customer.ssn_', 11, ','), allowed: 'email,card', policy: 'vendor', services: 'checkout' },
        },
      ]),
    );
  });

  it('a vendor with no policy, past the 50 names of details', () => {
    const fields = names('payee.ssn_', 60).map((f, i) => field({ vendor: 'acme-pay', route: '/v1/payouts', field: f, service: `svc-${String(i % 55).padStart(2, '0')}` }));
    const findings = detectPii(fields, [{ vendor: 'acme-pay', route: '/v1/payouts', firstSeen: NOW - 30_000, recentCalls: 60 }], policy(), window, DEFAULT_DETECTION_CONFIG);
    const services = [...Array.from({ length: 50 }, (_, i) => `svc-${String(i).padStart(2, '0')}`), '… 5 more'].join(',');
    expect(text(findings)).toBe(
      text([
        {
          kind: 'pii_violation',
          vendor: 'acme-pay',
          service: '',
          route: '/v1/payouts',
          field: 'payee.ssn_01',
          at: window.from,
          score: 1,
          severity: 'critical',
          summary: `acme-pay /v1/payouts receives ssn data (field ${listed('payee.ssn_', 10, ', ', 50)}), and acme-pay has no policy: special_category data goes only to vendors whose allow_pii lists it.`,
          details: { pii: 'ssn', tier: 'special_category', fields: listed('payee.ssn_', 50, ',', 10), allowed: '', policy: 'none', services, service_count: '55', field_count: '60' },
        },
      ]),
    );
  });
});
