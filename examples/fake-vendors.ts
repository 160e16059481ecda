import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** One request as a fake vendor received it (bytes kept so tests can compare them). */
export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Buffer;
}

export interface FakeVendor {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, for a vendor pattern. */
  hostPort: string;
  received: ReceivedRequest[];
}

export interface FakeVendors {
  /** Stripe-like: JSON in, JSON out (`POST /v1/customers/{id}/charges`). */
  payments: FakeVendor;
  /** Twilio-like: form-encoded in, JSON out (`POST /2010-04-01/Accounts/{sid}/Messages.json`). */
  messaging: FakeVendor;
  close(): Promise<void>;
}

/**
 * Two fake third-party APIs on loopback for the example service, the tests and the README's
 * "instrument your service" walk-through. Their responses carry PII-shaped fields too, so the
 * response side of the data map has something to show.
 */
export async function startFakeVendors(host = '127.0.0.1'): Promise<FakeVendors> {
  const payments = await listen(host, (req, body, res) => {
    const charge = { id: 'ch_3MtwBwLkdIwHu7ix28a3tqPa', object: 'charge', amount: 0, currency: 'usd', paid: true, billing_details: {} };
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { amount?: number; receipt_email?: string };
      charge.amount = parsed.amount ?? 0;
      charge.billing_details = { email: parsed.receipt_email ?? null, name: 'Jenny Rosen' };
    } catch {
      // A non-JSON body still gets an answer: fake vendors are for exercising clients.
    }
    reply(req, res, req.url?.startsWith('/v1/') ? 200 : 404, charge);
  });
  const messaging = await listen(host, (req, body, res) => {
    const form = new URLSearchParams(body.toString('utf8'));
    reply(req, res, 201, { sid: 'SM2f0c8d7e4b1a4e5f9a3c6b8d0e1f2a3b', status: 'queued', to: form.get('To'), num_segments: '1' });
  });
  return {
    payments: payments.vendor,
    messaging: messaging.vendor,
    close: async () => {
      await Promise.all([close(payments.server), close(messaging.server)]);
    },
  };
}

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

async function listen(host: string, handle: Handler): Promise<{ server: Server; vendor: FakeVendor }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? 'GET', path: req.url ?? '/', contentType: req.headers['content-type'], body });
      handle(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { server, vendor: { url: `http://${host}:${port}`, hostPort: `${host}:${port}`, received } };
}

/** JSON, gzipped when the client accepts it, as real APIs answer (fetch asks for it by default). */
function reply(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(json);
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  res.end(gzipSync(json));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
