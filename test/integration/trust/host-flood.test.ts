import { describe, expect, it } from 'vitest';
import { alertmanagerPayload } from '../../../alerts/webhook.js';
import { planNotifications } from '../../../alerts/routing.js';
import { MIN, useReplayedFlood } from '../../helpers/replayed-flood.js';
import { spanRow } from '../../helpers/span-rows.js';

const HOSTS = 2_000;
/** Host names as a sender can invent them under one domain: words, so no label reads as an id. */
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
const host = (i: number): string => `${[...String(i)].map((d) => WORDS[Number(d)]).join('-')}.flood.example`;

/**
 * A flood of distinct host names under one never-seen domain, its calls carrying SSNs: one
 * new_destination alert, whose text and payloads stay small whatever the number of hosts.
 */
describe('a flood of distinct host names for one vendor', () => {
  const flood = useReplayedFlood((at) => Array.from({ length: HOSTS }, (_, i) => spanRow({ timestampMs: at + (i % 50) * 1000, service: 'flooder', vendor: 'flood.example', host: host(i), route: '/x', request_pii: ['customer.ssn:ssn'] })), {
    minutesAgo: 10,
    steps: 3,
  });

  it('raises one new_destination alert that names a few hosts and counts the rest', () => {
    const found = flood.alerts.filter((a) => a.kind === 'new_destination' && a.vendor === 'flood.example');
    expect(found.map((a) => a.status)).toEqual(['firing']);
    const alert = found[0]!;
    // Before: every host in the summary (73 KB for 2,000 hosts) and again in annotations.hosts.
    expect(alert.summary.length).toBeLessThan(1_000);
    expect(alert.summary).toContain(`${HOSTS - 5} more`);
    expect(alert.annotations.host_count).toBe(String(HOSTS));
    expect(JSON.stringify(alert).length).toBeLessThan(4_000);
  });

  it('keeps the webhook body small', () => {
    const firing = flood.alerts.filter((a) => a.status === 'firing');
    const { jobs } = planNotifications(firing, flood.at + 2 * MIN, { receivers: [{ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: undefined }], routes: [], silences: [], groupIntervalMs: 300_000 });
    const bodies = jobs.map((job) => JSON.stringify(alertmanagerPayload(job, 'http://127.0.0.1:1')));
    expect(bodies.length).toBeGreaterThan(0);
    // Before: 290 KB for the new_destination group.
    for (const body of bodies) expect(body.length).toBeLessThan(8_000);
  });
});
