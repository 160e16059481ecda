import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { notificationAttemptsTotal } from '../../../alerts/metrics.js';
import { createNotifier, type Notifier } from '../../../alerts/notifier.js';
import { renderRunbook } from '../../../alerts/runbooks.js';
import { addSilence, expireSilence } from '../../../alerts/silence-service.js';
import { parseConfig, type Config } from '../../../common/config/index.js';
import type { Finding } from '../../../common/types.js';
import { BullMqBackend } from '../../../queue/bullmq-queue.js';
import { InProcessBackend } from '../../../queue/in-process-queue.js';
import { freePort, startRedisServer, type OwnedRedis } from '../../../queue/redis-server.js';
import { listNotificationAttempts } from '../../../storage/alert-notification-store.js';
import { listAlerts } from '../../../storage/alert-store.js';
import { migrate } from '../../../storage/migrate.js';
import { openStore, type Store } from '../../../storage/store.js';
import { queuesDrained } from '../../helpers/queue-drain.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startFakeReceivers } from './fake-receivers.js';
import { liveSteps } from './live-steps.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-20T10:00:00Z');

/** An exfiltration-like incident: calls and bytes to stripe jump for minutes 2–5, then calm. */
function incident(vendor: string, step: number): Finding[] {
  if (step < 2 || step > 5) return [];
  const base = { vendor, service: 'checkout', route: 'POST /v1/customers', at: T0 + step * MIN, score: 0.99, severity: 'critical' as const };
  return [
    { ...base, kind: 'volume_spike', value: 1240, expected: 80, summary: `checkout calls ${vendor} POST /v1/customers 15x more than usual` },
    { ...base, kind: 'bytes_spike', value: 9_000_000, expected: 60_000, summary: `checkout sends ${vendor} 150x more bytes than usual` },
  ];
}

describe('notifications to Slack, PagerDuty and a webhook (real HTTP, Redis, chDB)', () => {
  const dir = tempDir();
  let store: Store;
  let redis: OwnedRedis;
  let receivers: Awaited<ReturnType<typeof startFakeReceivers>>;
  let runbooks: Server;
  let runbookBase: string;
  // What a test opened; closed after it, pass or fail (a worker left running would deliver into the next test).
  const backends: (BullMqBackend | InProcessBackend)[] = [];
  const notifiers: Notifier[] = [];

  beforeAll(async () => {
    store = await openStore({ dataDir: dir.path });
    await migrate(store);
    redis = await startRedisServer(`${dir.path}/redis`);
    receivers = await startFakeReceivers();
    // Stands in for the collector's /runbooks/<kind> route.
    runbooks = createServer((req, res) => {
      const html = renderRunbook((req.url ?? '').replace(/^\/runbooks\//, ''));
      res.writeHead(html ? 200 : 404, { 'content-type': 'text/html' }).end(html ?? 'not found');
    });
    await new Promise<void>((r) => runbooks.listen(0, '127.0.0.1', r));
    runbookBase = `http://127.0.0.1:${(runbooks.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const n of notifiers.splice(0)) await n.close();
    for (const b of backends.splice(0)) await b.close();
  });

  afterAll(async () => {
    await receivers.close();
    await new Promise((r) => runbooks.close(r));
    await redis.stop();
    await store.close();
    dir.remove();
  });

  function setup(
    alerts: Record<string, unknown> = {},
    envOverrides: Record<string, string> = {},
  ): { config: Config; env: NodeJS.ProcessEnv; queueName: string; newNotifier: () => Notifier; drained: () => Promise<void> } {
    const config = parseConfig({
      alerts: {
        runbook_base_url: runbookBase,
        dashboard_url_template: 'http://grafana.test/d/egresswatch-vendor?var-vendor={vendor}',
        group_wait_seconds: 0.05,
        delivery_backoff_ms: 100,
        delivery_attempts: 3,
        delivery_timeout_ms: 2_000,
        ...alerts,
      },
    });
    const env = {
      ...setupEnv(),
      ...envOverrides,
    };
    const queueName = `notify-${randomUUID()}`;
    const newNotifier = (): Notifier => {
      const backend = new BullMqBackend(redis.url, `test-${queueName}`);
      backends.push(backend);
      const n = createNotifier({ store, backend, config, env, queueName });
      notifiers.push(n);
      return n;
    };
    // Every notifier of this setup works the one queue (prefix test-<queue>): once it holds nothing
    // that may still run (a retry waiting out its backoff included), no more message can come.
    const drained = (): Promise<void> => queuesDrained(redis.url, [queueName], { prefix: `test-${queueName}`, timeoutMs: 30_000 });
    return { config, env, queueName, newNotifier, drained };
  }

  function setupEnv(): Record<string, string> {
    return {
      SLACK_WEBHOOK_URL: `${receivers.url}/slack`,
      PAGERDUTY_ROUTING_KEY: 'R0UTINGKEY0000000000000000000000',
      PAGERDUTY_EVENTS_URL: `${receivers.url}/pagerduty`,
      EGRESSWATCH_WEBHOOK_URL: `${receivers.url}/hook`,
      EGRESSWATCH_WEBHOOK_SECRET: 'hook-secret',
    };
  }

  /** Runs steps 0..11 through the live worker's step (a fresh worker each time) and waits until every notification is final. */
  async function replay(config: Config, notifier: Notifier, vendor: string): Promise<{ jobIds: string[]; outcomes: Record<string, string> }> {
    const step = liveSteps(store, config, notifier);
    const jobIds: string[] = [];
    for (let k = 0; k < 12; k++) jobIds.push(...(await step(incident(vendor, k), T0 + (k + 1) * MIN, [vendor])).jobIds);
    return { jobIds, outcomes: await notifier.waitDelivered(jobIds, 30_000) };
  }

  it('an incident gives exactly one trigger and one resolve per receiver, with the documented payloads', async () => {
    const { config, newNotifier, drained } = setup();
    // Two workers on one queue, both fed the same step: still one message per state change.
    const [a, b] = [newNotifier(), newNotifier()];
    const stepB = liveSteps(store, config, b);
    const bIds: string[] = [];
    const { jobIds, outcomes } = await (async () => {
      const r = await replay(config, a, 'stripe');
      for (let k = 0; k < 12; k++) bIds.push(...(await stepB(incident('stripe', k), T0 + (k + 1) * MIN, ['stripe'])).jobIds);
      await b.waitDelivered(bIds, 30_000);
      return r;
    })();
    expect(bIds.sort()).toEqual([...jobIds].sort());
    expect(Object.values(outcomes).every((o) => o === 'completed')).toBe(true);
    await drained();

    // Slack: one firing message listing both spikes, one resolved message.
    const slack = receivers.received('/slack').filter((r) => r.raw.includes('stripe'));
    expect(slack.map((r) => r.body.text.slice(0, 10))).toEqual(['[FIRING:2]', '[RESOLVED]']);
    const fire = slack[0]!.body;
    expect(fire.blocks.length).toBeLessThanOrEqual(50);
    expect(fire.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: ':red_circle: CRITICAL · volume_spike + bytes_spike · stripe', emoji: true } });
    expect(fire.blocks[1].text.text).toContain('value 1,240 vs expected 80');
    expect(fire.blocks[1].text.text).toContain('service checkout · route POST /v1/customers');
    expect(fire.blocks[2].elements[0].text).toMatch(/^since 2026-11-20 10:02 UTC · critical · fingerprint `[0-9a-f]{16}`$/);
    const [runbookButton, dashboardButton] = fire.blocks[3].elements;
    expect(runbookButton).toMatchObject({ type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: `${runbookBase}/runbooks/volume_spike` });
    expect(dashboardButton.url).toBe('http://grafana.test/d/egresswatch-vendor?var-vendor=stripe');
    expect(JSON.stringify(fire.blocks)).toContain('bytes than usual');
    // The runbook link resolves to a served page.
    const page = await fetch(runbookButton.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>volume_spike');

    // PagerDuty: one trigger for the volume spike (the bytes spike rides along), one resolve.
    const pd = receivers.received('/pagerduty').filter((r) => r.raw.includes('R0UTINGKEY') && (r.body.event_action === 'resolve' || r.body.payload.component === 'stripe'));
    expect(pd.map((r) => r.body.event_action)).toEqual(['trigger', 'resolve']);
    const trigger = pd[0]!.body;
    expect(Object.keys(trigger).sort()).toEqual(['client', 'client_url', 'dedup_key', 'event_action', 'links', 'payload', 'routing_key']);
    expect(trigger.routing_key).toBe('R0UTINGKEY0000000000000000000000');
    expect(trigger.dedup_key).toMatch(/^[0-9a-f]{16}$/);
    expect(trigger.payload).toMatchObject({ severity: 'critical', source: 'checkout → stripe', component: 'stripe', group: 'checkout', class: 'volume_spike', timestamp: '2026-11-20T10:02:00.000Z' });
    expect(trigger.payload.summary).toBe('[stripe] checkout calls stripe POST /v1/customers 15x more than usual');
    expect(trigger.payload.custom_details.also_firing).toEqual(['bytes_spike stripe/checkout: checkout sends stripe 150x more bytes than usual']);
    expect(trigger.links[0]).toEqual({ href: `${runbookBase}/runbooks/volume_spike`, text: 'Runbook: volume_spike' });
    expect(pd[1]!.body).toEqual({ routing_key: trigger.routing_key, event_action: 'resolve', dedup_key: trigger.dedup_key });

    // Webhook: Alertmanager v4, signed.
    const hooks = receivers.received('/hook').filter((r) => r.body.groupLabels.vendor === 'stripe');
    expect(hooks.map((r) => r.body.status)).toEqual(['firing', 'resolved']);
    for (const h of hooks) {
      expect(h.headers['x-egresswatch-signature']).toBe(`sha256=${createHmac('sha256', 'hook-secret').update(h.raw).digest('hex')}`);
      expect(h.body).toMatchObject({ version: '4', receiver: 'webhook', groupKey: '{}:{kind="volume_spike",vendor="stripe"}', truncatedAlerts: 0, externalURL: runbookBase });
      expect(h.body.commonLabels).toMatchObject({ vendor: 'stripe', service: 'checkout', severity: 'critical' });
      expect(h.body.alerts.map((x: { labels: { kind: string } }) => x.labels.kind).sort()).toEqual(['bytes_spike', 'volume_spike']);
    }
    const resolvedAlert = hooks[1]!.body.alerts[0];
    expect(resolvedAlert.endsAt).toBe('2026-11-20T10:11:00.000Z');
    expect(hooks[0]!.body.alerts[0].endsAt).toBe('0001-01-01T00:00:00Z');
    expect(hooks[0]!.body.alerts[0].generatorURL).toContain('/api/alerts?fingerprint=');

    // The alerts table has the history; the latest state is resolved.
    const stored = await listAlerts(store, { sinceMs: T0 });
    const stripe = stored.filter((s) => s.vendor === 'stripe');
    expect(stripe.map((s) => [s.kind, s.status]).sort()).toEqual([
      ['bytes_spike', 'resolved'],
      ['volume_spike', 'resolved'],
    ]);
    // Every attempt is recorded.
    const attempts = (await listNotificationAttempts(store)).filter((x) => jobIds.includes(x.jobId));
    expect(attempts.filter((x) => x.outcome === 'delivered')).toHaveLength(6);

    // Replaying the same incident again sends nothing new.
    const total = receivers.received().length;
    const again = await replay(config, newNotifier(), 'stripe');
    expect(again.jobIds.sort()).toEqual([...jobIds].sort());
    await drained();
    expect(receivers.received()).toHaveLength(total);

    // A queue that forgot its jobs (in-process fallback after a restart) still does not resend:
    // the attempt log says they were delivered.
    const forgetful = new InProcessBackend();
    backends.push(forgetful);
    const replayed = createNotifier({ store, backend: forgetful, config, env: setupEnv(), queueName: 'in-process' });
    notifiers.push(replayed);
    const third = await replay(config, replayed, 'stripe');
    expect(Object.values(third.outcomes).every((o) => o === 'completed')).toBe(true);
    expect(receivers.received()).toHaveLength(total);
    const skipped = (await listNotificationAttempts(store)).filter((x) => x.outcome === 'skipped');
    expect(skipped.map((x) => x.jobId).sort()).toEqual([...jobIds].sort());
  });

  it('a silence suppresses the notifications, and expiring it lets the next ones through', async () => {
    const { config, newNotifier, drained } = setup();
    const silence = await addSilence(store, { matchers: ['vendor=twilio', 'kind=~(volume|bytes)_spike'], durationMs: 2 * 3_600_000, comment: 'INC-7 twilio load test' });
    const before = receivers.received().length;
    const { jobIds } = await replay(config, newNotifier(), 'twilio');
    expect(jobIds).toEqual([]);
    await drained();
    expect(receivers.received().length).toBe(before);
    await expireSilence(store, silence.id);
    const notifier = newNotifier();
    const step = liveSteps(store, config, notifier);
    const ids: string[] = [];
    for (let k = 0; k < 4; k++) ids.push(...(await step(incident('twilio', k), T0 + 100 * MIN + (k + 1) * MIN, ['twilio'])).jobIds);
    await notifier.waitDelivered(ids, 30_000);
    expect(receivers.received('/slack').filter((r) => r.raw.includes('twilio'))).toHaveLength(1);
  });

  it('honours Retry-After on 429, retries a receiver that is down, and the others still deliver', async () => {
    const downPort = await freePort();
    const { config, newNotifier } = setup({ delivery_attempts: 3, delivery_backoff_ms: 150 }, { PAGERDUTY_EVENTS_URL: `http://127.0.0.1:${downPort}/enqueue` });
    receivers.script('/slack', [{ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' }]);
    const notifier = newNotifier();
    const step = liveSteps(store, config, notifier);
    const before = await notificationAttemptsTotal.get();
    const ids: string[] = [];
    for (let k = 0; k < 4; k++) ids.push(...(await step(incident('openai', k), T0 + 200 * MIN + (k + 1) * MIN, ['openai'])).jobIds);
    const outcomes = await notifier.waitDelivered(ids, 30_000);
    const byReceiver = Object.fromEntries(Object.entries(outcomes).map(([id, o]) => [id.split('-')[1], o]));
    expect(byReceiver).toEqual({ slack: 'completed', pagerduty: 'failed', webhook: 'completed' });

    const slack = receivers.received('/slack').filter((r) => r.raw.includes('openai'));
    expect(slack).toHaveLength(2);
    expect(slack[1]!.atMs - slack[0]!.atMs).toBeGreaterThanOrEqual(950);
    expect(receivers.received('/hook').filter((r) => r.raw.includes('openai'))).toHaveLength(1);

    const attempts = (await listNotificationAttempts(store)).filter((a) => ids.includes(a.jobId));
    const pd = attempts.filter((a) => a.receiver === 'pagerduty');
    expect(pd.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'failed'],
    ]);
    expect(pd[0]!.error).toMatch(/^pagerduty: request failed/);
    expect(JSON.stringify(attempts)).not.toContain('R0UTINGKEY');
    expect(attempts.filter((a) => a.receiver === 'slack').map((a) => [a.outcome, a.httpStatus])).toEqual([
      ['retrying', 429],
      ['delivered', 200],
    ]);
    const after = await notificationAttemptsTotal.get();
    const count = (m: typeof after, receiver: string, result: string): number => m.values.find((v) => v.labels.receiver === receiver && v.labels.result === result)?.value ?? 0;
    expect(count(after, 'pagerduty', 'retryable_error') - count(before, 'pagerduty', 'retryable_error')).toBe(3);
  });

  it('does not retry an event PagerDuty rejects with 400, and says why', async () => {
    const { config, newNotifier } = setup();
    receivers.script('/pagerduty', [
      {
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"] }),
      },
    ]);
    const notifier = newNotifier();
    const step = liveSteps(store, config, notifier);
    const ids: string[] = [];
    for (let k = 0; k < 4; k++) ids.push(...(await step(incident('anthropic', k), T0 + 300 * MIN + (k + 1) * MIN, ['anthropic'])).jobIds);
    const outcomes = await notifier.waitDelivered(ids, 30_000);
    expect(Object.entries(outcomes).filter(([, o]) => o === 'failed').map(([id]) => id.split('-')[1])).toEqual(['pagerduty']);
    const pd = (await listNotificationAttempts(store)).filter((a) => ids.includes(a.jobId) && a.receiver === 'pagerduty');
    expect(pd.map((a) => [a.attempt, a.outcome, a.httpStatus, a.error])).toEqual([
      [1, 'failed', 400, "pagerduty: HTTP 400: Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters)"],
    ]);
  });
});
