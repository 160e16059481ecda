import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A load balancer in front of the collectors, as the README's scale-out puts them. */
export interface RoundRobinProxy {
  readonly url: string;
  /** Requests forwarded per upstream URL (answered or not). */
  readonly forwarded: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Round-robin HTTP proxy with nginx's defaults for a POST: an upstream that refuses the
 * connection is skipped for the next one (nothing was sent), one that fails after the request
 * went out gets the client a 502 and no retry (the request may have had effects), so the
 * exporter's own retry decides.
 */
export async function startRoundRobinProxy(upstreams: readonly string[]): Promise<RoundRobinProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const forwarded = new Map<string, number>();
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), upstreams.length));
  });

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, triesLeft: number): void {
    const upstream = upstreams[next++ % upstreams.length]!;
    forwarded.set(upstream, (forwarded.get(upstream) ?? 0) + 1);
    const headers = { ...req.headers, 'content-length': String(body.length) };
    const out = request(new URL(req.url ?? '/', upstream), { method: req.method, headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && triesLeft > 1) return forward(req, res, body, triesLeft - 1);
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bad gateway: ${err.code ?? err.message}`);
      } else res.destroy();
    });
    out.end(body);
  }

  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      agent.destroy();
    },
  };
}
