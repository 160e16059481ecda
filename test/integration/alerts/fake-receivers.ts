import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  atMs: number;
}

/** A scripted answer; once the script runs out, the default answer for the path is used. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** Real answers from the vendors' docs. */
export const SLACK_OK: Answer = { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
export const PD_ACCEPTED = (dedupKey: string): Answer => ({
  status: 202,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedupKey }),
});
export const HOOK_OK: Answer = { status: 200, body: '' };

/**
 * Slack, PagerDuty and a webhook on one loopback server: POST /slack, /pagerduty, /hook.
 * Records every request; `script(path, answers)` queues answers for the next requests.
 */
export async function startFakeReceivers(): Promise<{
  url: string;
  received: (path?: string) => Received[];
  script: (path: string, answers: Answer[]) => void;
  close: () => Promise<void>;
}> {
  const log: Received[] = [];
  const scripts = new Map<string, Answer[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const path = req.url ?? '/';
      log.push({ path, headers: req.headers, raw, body, atMs: Date.now() });
      const scripted = scripts.get(path)?.shift();
      const answer =
        scripted ??
        (path === '/slack' ? SLACK_OK : path === '/pagerduty' ? PD_ACCEPTED(String((body as { dedup_key?: string })?.dedup_key ?? '')) : path === '/hook' ? HOOK_OK : { status: 404, body: 'no_service' });
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: (path) => log.filter((r) => path === undefined || r.path === path),
    script: (path, answers) => scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    close: () => new Promise((done) => server.close(() => done())),
  };
}
