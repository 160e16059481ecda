import { describe, expect, it } from 'vitest';
import { matchVendor, VENDOR_CATALOG } from '@egresswatch/sdk/shared/vendor-catalog';

describe('matchVendor', () => {
  it('names the common API vendors by their API hosts', () => {
    expect(matchVendor('api.stripe.com')).toBe('stripe');
    expect(matchVendor('API.Twilio.com')).toBe('twilio');
    expect(matchVendor('api.openai.com')).toBe('openai');
    expect(matchVendor('api.anthropic.com')).toBe('anthropic');
    expect(matchVendor('acme.my.salesforce.com')).toBe('salesforce');
    expect(matchVendor('hooks.slack.com')).toBe('slack');
    expect(matchVendor('s3.us-east-1.amazonaws.com')).toBe('aws');
    expect(matchVendor('sheets.googleapis.com')).toBe('google');
    expect(matchVendor('o123.ingest.sentry.io')).toBe('sentry');
    expect(matchVendor('api.stripe.com.')).toBe('stripe');
  });

  it('treats *.x.com as any subdomain depth but not x.com itself', () => {
    const patterns = [{ vendor: 'x', hosts: ['*.x.com'] }];
    expect(matchVendor('a.x.com', patterns)).toBe('x');
    expect(matchVendor('a.b.x.com', patterns)).toBe('x');
    expect(matchVendor('x.com', patterns)).toBeUndefined();
    expect(matchVendor('evilx.com', patterns)).toBeUndefined();
    expect(matchVendor('x.com.evil.net', patterns)).toBeUndefined();
  });

  it('requires the port when a pattern carries one', () => {
    const patterns = [{ vendor: 'billing', hosts: ['127.0.0.1:4001', '*.internal:8443'] }];
    expect(matchVendor('127.0.0.1', patterns, 4001)).toBe('billing');
    expect(matchVendor('127.0.0.1', patterns, '4002')).toBeUndefined();
    expect(matchVendor('127.0.0.1', patterns)).toBeUndefined();
    expect(matchVendor('pay.internal', patterns, 8443)).toBe('billing');
  });

  it('returns undefined for unknown hosts and keeps every vendor id lowercase', () => {
    expect(matchVendor('example.org')).toBeUndefined();
    for (const { vendor, hosts } of VENDOR_CATALOG) {
      expect(vendor).toMatch(/^[a-z0-9_-]+$/);
      expect(hosts.length).toBeGreaterThan(0);
    }
  });
});
