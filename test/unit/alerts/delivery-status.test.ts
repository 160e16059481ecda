import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliveryReport } from '../../../alerts/delivery-report.js';
import { renderDelivery } from '../../../cli/commands/detect.js';
import { statusOf } from '../../../alerts/http-delivery.js';
import { sendPagerDuty, type PagerDutyEvent } from '../../../alerts/pagerduty.js';
import { sendSlack } from '../../../alerts/slack.js';
import type { NotificationAttempt } from '../../../storage/alert-notification-store.js';

/** A receiver on loopback that answers each path as scripted. */
let server: Server;
let base: string;
const answers = new Map<string, { status: number; body: string }>();
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answers.get(req.url ?? '') ?? { status: 404, body: '' };
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const resolve: PagerDutyEvent[] = [{ routing_key: 'R0UTINGKEY', event_action: 'resolve', dedup_key: '0123456789abcdef' }];

async function failure(send: () => Promise<unknown>): Promise<{ message: string; status: number }> {
  try {
    await send();
  } catch (err) {
    return { message: (err as Error).message, status: statusOf(err) };
  }
  throw new Error('expected the delivery to fail');
}

describe('a failed delivery reports the status that really came back', () => {
  it('PagerDuty: a 200 that is not PagerDuty answering says so, instead of a bare "HTTP 200"', async () => {
    answers.set('/pd-ok-text', { status: 200, body: 'ok' });
    expect(await failure(() => sendPagerDuty('pagerduty', `${base}/pd-ok-text`, resolve, 2_000))).toEqual({
      message: 'pagerduty: HTTP 200 but not PagerDuty\'s {"status":"success"} answer: is PAGERDUTY_EVENTS_URL the Events API v2 enqueue URL?',
      status: 200,
    });
    answers.set('/pd-202-empty', { status: 202, body: '' });
    expect((await failure(() => sendPagerDuty('pagerduty', `${base}/pd-202-empty`, resolve, 2_000))).status).toBe(202);
    answers.set('/pd-400', { status: 400, body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ['HTTP 200 is not a routing key'] }) });
    expect(await failure(() => sendPagerDuty('pagerduty', `${base}/pd-400`, resolve, 2_000))).toEqual({
      message: 'pagerduty: HTTP 400: Event object is invalid: HTTP 200 is not a routing key',
      status: 400,
    });
  });

  it('PagerDuty: a relay that answers 200 with the success body delivers', async () => {
    answers.set('/pd-relay', { status: 200, body: JSON.stringify({ status: 'success', dedup_key: '0123456789abcdef' }) });
    await expect(sendPagerDuty('pagerduty', `${base}/pd-relay`, resolve, 2_000)).resolves.toBe(200);
  });

  it('Slack: a 200 that is not `ok` keeps its status', async () => {
    answers.set('/slack-odd', { status: 200, body: 'invalid_blocks' });
    expect(await failure(() => sendSlack('slack', `${base}/slack-odd`, { text: 't', blocks: [] }, 2_000))).toEqual({
      message: "slack: HTTP 200 but unexpected Slack answer 'invalid_blocks'",
      status: 200,
    });
  });
});

describe('what detect --notify reports per receiver', () => {
  const attempt = (jobId: string, receiver: string, outcome: NotificationAttempt['outcome'], httpStatus: number, error = ''): NotificationAttempt => ({
    atMs: 0,
    jobId,
    receiver,
    receiverType: receiver,
    groupKey: 'g',
    status: 'firing',
    fingerprints: [],
    attempt: 1,
    outcome,
    httpStatus,
    error,
    durationMs: 1,
  });

  it('counts sent, sent before, failed with the real answer, pending, silenced and held back', () => {
    const report = deliveryReport({
      receivers: [
        { name: 'slack', type: 'slack' },
        { name: 'pagerduty', type: 'pagerduty' },
        { name: 'webhook', type: 'webhook' },
        { name: 'quiet', type: 'webhook' },
      ],
      notifications: [
        { jobId: 's1', receiver: 'slack', status: 'firing', alerts: 2, added: true },
        { jobId: 's2', receiver: 'slack', status: 'resolved', alerts: 1, added: true },
        { jobId: 's1', receiver: 'slack', status: 'firing', alerts: 2, added: true },
        { jobId: 'p1', receiver: 'pagerduty', status: 'firing', alerts: 1, added: true },
        { jobId: 'w1', receiver: 'webhook', status: 'firing', alerts: 3, added: false },
        { jobId: 'w2', receiver: 'webhook', status: 'firing', alerts: 1, added: true },
      ],
      outcomes: { s1: 'completed', s2: 'completed', p1: 'failed', w1: 'completed' },
      attempts: [
        attempt('s1', 'slack', 'delivered', 200),
        attempt('s2', 'slack', 'delivered', 200),
        attempt('p1', 'pagerduty', 'failed', 400, 'pagerduty: HTTP 400: Event object is invalid'),
        attempt('w2', 'webhook', 'retrying', 0, 'webhook: request failed (ECONNREFUSED)'),
      ],
      silenced: [
        { fingerprint: 'a', status: 'firing', silenceId: 'sil-1' },
        { fingerprint: 'b', status: 'resolved', silenceId: 'sil-1' },
      ],
      heldBack: 1,
      offered: 7,
    });
    const by = Object.fromEntries(report.receivers.map((r) => [r.receiver, r]));
    expect(by['slack']).toMatchObject({ sent: { messages: 2, firing: 2, resolved: 1 }, failed: { messages: 0 } });
    expect(by['pagerduty']).toMatchObject({ sent: { messages: 0 }, failed: { messages: 1, firing: 1, reasons: ['HTTP 400: Event object is invalid'] } });
    expect(by['webhook']).toMatchObject({ sentBefore: { messages: 1, firing: 3 }, pending: { messages: 1, reasons: ['request failed (ECONNREFUSED)'] } });
    expect(by['quiet']).toMatchObject({ sent: { messages: 0 }, sentBefore: { messages: 0 }, failed: { messages: 0 }, pending: { messages: 0 } });
    expect(report.silenced).toEqual({ changes: 2, silenceIds: ['sil-1'] });
    expect(report.heldBack).toBe(1);
  });

  it('says when the instance has no receiver at all, instead of saying nothing', () => {
    const none = deliveryReport({ receivers: [], notifications: [], outcomes: {}, attempts: [], silenced: [], heldBack: 0, offered: 4 });
    expect(renderDelivery(none, 'the running egresswatch (pid 42)')).toEqual([
      'notifications, sent by the running egresswatch (pid 42):',
      '  no receivers are configured in the running egresswatch (pid 42): set SLACK_WEBHOOK_URL, PAGERDUTY_ROUTING_KEY or EGRESSWATCH_WEBHOOK_URL (or alerts.receivers in egresswatch.yaml) where `egresswatch start` runs, and restart it',
    ]);
    const silent = deliveryReport({ receivers: [{ name: 'slack', type: 'slack' }], notifications: [], outcomes: {}, attempts: [], silenced: [{ fingerprint: 'a', status: 'firing', silenceId: 'sil-9' }], heldBack: 0, offered: 1 });
    expect(renderDelivery(silent, 'this process')).toEqual([
      'notifications, sent by this process:',
      '  slack       nothing for this receiver (no alert change was routed to it)',
      '  silenced    1 alert change kept back by 1 silence: sil-9',
    ]);
  });
});
