/**
 * A notifier process for the crash test: enqueues one step's transitions (as a restarted
 * scheduler replaying the step would) and works the queue. Prints `queued <ids>` once enqueued.
 */
import { createNotifier } from '../../../alerts/notifier.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Alert } from '../../../common/types.js';
import { BullMqBackend } from '../../../queue/bullmq-queue.js';

const env = process.env;
const config = parseConfig({ alerts: { runbook_base_url: 'http://127.0.0.1:4318', group_wait_seconds: Number(env['GROUP_WAIT_SECONDS'] ?? '0'), delivery_backoff_ms: 100 } });
const backend = new BullMqBackend(env['REDIS_URL']!, env['QUEUE_PREFIX']!);
const notifier = createNotifier({ backend, config, env, queueName: env['QUEUE_NAME']! });
const atMs = Number(env['STEP_END_MS']);
const alert: Alert = {
  fingerprint: '0123456789abcdef',
  kind: 'volume_spike',
  severity: 'warning',
  status: 'firing',
  vendor: 'stripe',
  service: 'checkout',
  startsAt: new Date(atMs - 120_000).toISOString(),
  summary: 'checkout calls stripe 15x more than usual',
  runbook_url: 'http://127.0.0.1:4318/runbooks/volume_spike',
  labels: { alertname: 'volume_spike', kind: 'volume_spike', vendor: 'stripe', service: 'checkout', severity: 'warning' },
  annotations: { summary: 'checkout calls stripe 15x more than usual', runbook_url: 'http://127.0.0.1:4318/runbooks/volume_spike' },
};
const ids = await notifier.notify([alert], atMs);
process.stdout.write(`queued ${ids.join(',')}\n`);
await notifier.waitDelivered(ids, 60_000);
process.stdout.write('delivered\n');
await notifier.close();
await backend.close();
// BullMqBackend does not close the connection it duplicated for the worker; do not wait for it.
process.exit(0);
