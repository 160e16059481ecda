import { describe, expect, it } from 'vitest';
import { planNotifications } from '../../../alerts/routing.js';
import { MIN, useReplayedFlood } from '../../helpers/replayed-flood.js';
import { spanRow } from '../../helpers/span-rows.js';

const ADDRESSES = 300;
/** The bound a flood of destinations should stay under: messages per receiver in one step. */
const MESSAGES_PER_STEP = 50;

/**
 * One service calling hundreds of bare IP addresses in one minute, its calls carrying SSNs (a
 * scraper, a peer-to-peer client, an exfiltration spread over hosts). Each address is a vendor of
 * its own (`common/destination-vendor.ts`: an IP is its own registrable domain), so each raises a
 * pii_violation and a new_destination, and each (vendor, kind) is its own notification group: 600
 * messages to every receiver in one step.
 */
describe('a flood of distinct destinations in one step', () => {
  const flood = useReplayedFlood(
    (at) => Array.from({ length: ADDRESSES }, (_, i) => spanRow({ timestampMs: at + (i % 50) * 1000, service: 'scraper', vendor: `198.51.${Math.floor(i / 250)}.${i % 250}`, host: `198.51.${Math.floor(i / 250)}.${i % 250}`, route: '/upload', request_pii: ['customer.ssn:ssn'] })),
    { minutesAgo: 10 },
  );

  it('alerts on every address', () => {
    const firing = flood.alerts.filter((a) => a.status === 'firing' && a.kind === 'pii_violation');
    expect(firing).toHaveLength(ADDRESSES);
  });

  // Unbounded, notification groups were (receiver, vendor, kind, status): 600 Slack messages for
  // this step (Slack takes one a second per webhook) in front of every other alert.
  it(`sends at most ${MESSAGES_PER_STEP} messages per receiver for the step, every alert in one of them`, () => {
    const firing = flood.alerts.filter((a) => a.status === 'firing');
    const { jobs } = planNotifications(firing, flood.at + 2 * MIN, { receivers: [{ name: 'slack', type: 'slack', url: 'http://127.0.0.1:1/slack' }], routes: [], silences: [], groupIntervalMs: 300_000 });
    expect(jobs.length).toBeLessThanOrEqual(MESSAGES_PER_STEP);
    expect(new Set(jobs.flatMap((j) => j.alerts.map((a) => a.fingerprint)))).toEqual(new Set(firing.map((a) => a.fingerprint)));
    expect(jobs.map((j) => j.groupLabels.vendor)).toContain('290 vendors');
  });
});
