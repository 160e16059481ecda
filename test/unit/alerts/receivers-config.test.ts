import { describe, expect, it } from 'vitest';
import { PAGERDUTY_EVENTS_URL, resolveReceivers } from '../../../alerts/receivers-config.js';
import { testConfig } from './fixtures.js';

describe('receivers from config and env', () => {
  it('adds one receiver per env variable, with the PagerDuty default URL', () => {
    const r = resolveReceivers(testConfig().alerts, {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/secret',
      PAGERDUTY_ROUTING_KEY: 'abc',
      EGRESSWATCH_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
      EGRESSWATCH_WEBHOOK_SECRET: 'shh',
    });
    expect(r).toEqual([
      { name: 'slack', type: 'slack', url: 'https://hooks.slack.com/services/T/B/secret' },
      { name: 'pagerduty', type: 'pagerduty', url: PAGERDUTY_EVENTS_URL, routingKey: 'abc' },
      { name: 'webhook', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'shh' },
    ]);
  });

  it('completes a configured receiver from env and honours PAGERDUTY_EVENTS_URL', () => {
    const config = testConfig({ receivers: [{ name: 'oncall', type: 'pagerduty' }] });
    expect(resolveReceivers(config.alerts, { PAGERDUTY_ROUTING_KEY: 'k', PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:1/enqueue' })).toEqual([
      { name: 'oncall', type: 'pagerduty', url: 'http://127.0.0.1:1/enqueue', routingKey: 'k' },
    ]);
  });

  it('names every incomplete receiver and never echoes a URL', () => {
    const config = testConfig({ receivers: [{ name: 'team', type: 'slack' }, { name: 'pd', type: 'pagerduty' }] });
    expect(() => resolveReceivers(config.alerts, {})).toThrow(/team \(slack\): no url — set url or SLACK_WEBHOOK_URL\n.*pd \(pagerduty\): no routing_key/);
    const bad = testConfig({ receivers: [{ name: 'team', type: 'webhook', url: 'ftp://secret-host/x' }] });
    expect(() => resolveReceivers(bad.alerts, {})).toThrow(/team: the URL must be http\(s\)$/);
  });

  it('has Alertmanager timing defaults and rejects duplicate receiver names', () => {
    const a = testConfig().alerts;
    expect([a.group_wait_seconds, a.group_interval_seconds, a.repeat_interval_seconds]).toEqual([30, 300, 14_400]);
    expect(() => testConfig({ receivers: [{ name: 'x', type: 'slack' }, { name: 'x', type: 'webhook' }] })).toThrow(/duplicate receiver name 'x'/);
  });
});
