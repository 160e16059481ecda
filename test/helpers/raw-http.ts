import { request } from 'node:http';
import { createConnection, type Socket } from 'node:net';

/**
 * A client that writes HTTP by hand over TCP, as an attacker or a broken sender would: partial
 * headers, bodies shorter than announced, bytes trickled. It records what came back and when
 * the server closed the connection.
 */
export interface RawClient {
  socket: Socket;
  /** Resolves once connected. */
  connected: Promise<void>;
  write(data: string | Buffer): void;
  /** Bytes written so far. */
  sent(): number;
  /** Everything the server answered so far, as text. */
  received(): string;
  /** Resolves with the ms from connect to the server closing (or resetting) the connection. */
  closed: Promise<number>;
  /** Resolves once the answer's status line and headers are in. */
  head(): Promise<string>;
  /** Writes `byte` every `everyMs` until the connection closes. */
  trickle(everyMs: number, byte?: string): void;
  destroy(): void;
}

export function rawClient(baseUrl: string): RawClient {
  const { hostname, port } = new URL(baseUrl);
  const socket = createConnection({ host: hostname, port: Number(port) });
  let received = '';
  let sent = 0;
  let connectedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const waiters: Array<() => void> = [];
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => undefined);
  const connected = new Promise<void>((resolve) =>
    socket.once('connect', () => {
      connectedAt = Date.now();
      resolve();
    }),
  );
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      for (const w of waiters.splice(0)) w();
      resolve(Date.now() - connectedAt);
    }),
  );
  const client: RawClient = {
    socket,
    connected,
    write: (data) => {
      sent += Buffer.byteLength(data);
      socket.write(data);
    },
    sent: () => sent,
    received: () => received,
    closed,
    head: async () => {
      while (!received.includes('\r\n\r\n')) {
        if (socket.destroyed) throw new Error(`connection closed before an answer; got ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return received.slice(0, received.indexOf('\r\n\r\n'));
    },
    trickle: (everyMs, byte = 'x') => {
      timer = setInterval(() => {
        if (socket.destroyed || !socket.writable) return clearInterval(timer);
        client.write(byte);
      }, everyMs);
    },
    destroy: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
  return client;
}

/** The status code of an answer's head, e.g. 401. */
export function statusOf(head: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
}

/** One header of an answer's head, lower-case name. */
export function headerOf(head: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim();
}

/**
 * A plain request with headers fetch() will not send (Host, Cookie, Origin), over node:http.
 * Resolves with status, headers and body text.
 */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
