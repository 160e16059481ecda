/**
 * A tiny checkout service instrumented with egresswatch, for the README and the tests.
 *
 *   EGRESSWATCH_ENDPOINT=http://127.0.0.1:4318 PAYMENTS_URL=… MESSAGING_URL=… \
 *     node dist/examples/checkout-service.js
 *
 * `POST /checkout` with `{ "email", "card", "phone", "amount" }` charges the card at the payments
 * vendor (fetch, JSON) and texts a receipt through the messaging vendor (node:http, form body).
 * Without PAYMENTS_URL/MESSAGING_URL it starts the fake vendors itself. It prints one line,
 * `listening http://127.0.0.1:PORT`, when ready, and exits cleanly on SIGTERM.
 */
import { request } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEgressWatch } from '@egresswatch/sdk';
import { startFakeVendors } from './fake-vendors.js';

const fakes = process.env['PAYMENTS_URL'] && process.env['MESSAGING_URL'] ? undefined : await startFakeVendors();
const paymentsUrl = process.env['PAYMENTS_URL'] ?? fakes?.payments.url ?? '';
const messagingUrl = process.env['MESSAGING_URL'] ?? fakes?.messaging.url ?? '';

// Three lines: this is what the README shows. Loopback vendors are named by host:port patterns.
const egress = startEgressWatch({
  serviceName: 'checkout',
  endpoint: process.env['EGRESSWATCH_ENDPOINT'] ?? 'http://127.0.0.1:4318',
  environment: 'example',
  vendors: [
    { vendor: 'payments-example', hosts: [new URL(paymentsUrl).host] },
    { vendor: 'messaging-example', hosts: [new URL(messagingUrl).host] },
  ],
});

interface CheckoutRequest {
  email: string;
  card: string;
  phone: string;
  amount: number;
}

async function charge(order: CheckoutRequest): Promise<unknown> {
  const res = await fetch(`${paymentsUrl}/v1/customers/cus_NffrFeUfNV2Hib/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk_test_example' },
    body: JSON.stringify({ amount: order.amount, currency: 'usd', receipt_email: order.email, source: { number: order.card, exp_month: 12 } }),
  });
  return res.json();
}

function sendReceipt(order: CheckoutRequest): Promise<number> {
  const form = new URLSearchParams({ To: order.phone, From: '+15005550006', Body: `Thanks! ${order.amount} charged.` }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${messagingUrl}/2010-04-01/Accounts/AC1f0e2d3c4b5a69788796a5b4c3d2e1f0/Messages.json`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      try {
        const order = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CheckoutRequest;
        await charge(order);
        const status = await sendReceipt(order);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, receipt: status }));
      } catch {
        res.writeHead(500).end();
      }
    })();
  });
});
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  // The one line of output tests and users wait for (examples are programs, not library code).
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  void Promise.all([egress.shutdown(), fakes?.close()]).then(() => process.exit(0));
});
