import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';

/**
 * Who may talk to the collector's listener at all: the Host-header check against DNS
 * rebinding, and the ingest-token check. Both run in an `onRequest` hook, before a byte of the
 * body is read, so a client that fails them holds no memory.
 */

/** Addresses a listener can be bound to that only this machine reaches. */
const LOOPBACK_BIND = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

// Names a browser on this machine uses for it, optionally with a port. `[::ffff:127.…]` is how
// a browser writes an IPv4-mapped loopback address.
const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]|\[::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}\])(:\d{1,5})?$/i;

/** Requests refused before their body was read, by reason. */
export const requestsRefused = new Counter({
  name: 'egresswatch_http_refused_total',
  help: 'Requests answered before their body was read: host (Host header not this machine, DNS-rebinding guard), unauthorized (no or unknown ingest token), inflight_bytes (max_inflight_bytes reached).',
  labelNames: ['reason'] as const,
});

/** Request body bytes held in memory now (`max_inflight_bytes` caps it). */
export const inflightBodyBytes = new Gauge({ name: 'egresswatch_inflight_body_bytes', help: 'Bytes of request bodies on /v1/traces held in memory now; collector.max_inflight_bytes caps it.' });

/** Whether a listener on `host` is reachable from this machine only. */
export function isLoopbackBind(host: string): boolean {
  return LOOPBACK_BIND.test(host);
}

/**
 * The Host-header check of a loopback listener. A web page whose domain an attacker re-points
 * to 127.0.0.1 (DNS rebinding) is same-origin with the listener from the victim's browser, but
 * its requests still carry the attacker's name in `Host`: answering only requests addressed to
 * this machine by a loopback name (or by the configured external name) shuts that door, on
 * every route: spans, the API, the console, runbooks and metrics.
 *
 * @param extraHostnames host names accepted besides loopback (any port), e.g. the host of
 *   `alerts.external_url` when a reverse proxy on this machine forwards its own `Host`
 * @returns undefined when the listener is not on loopback (there, ingest tokens and the API
 *   token guard the routes, and the name a client uses is its own business)
 */
export function hostCheck(bindHost: string, extraHostnames: readonly string[] = []): ((hostHeader: string | undefined) => boolean) | undefined {
  if (!isLoopbackBind(bindHost)) return undefined;
  const extra = new Set(extraHostnames.map((h) => h.toLowerCase()));
  return (hostHeader) => {
    if (hostHeader === undefined) return false;
    if (LOOPBACK_HOST.test(hostHeader)) return true;
    if (extra.size === 0) return false;
    const name = /^(\[[^\]]*\]|[^:]*)(:\d{1,5})?$/.exec(hostHeader)?.[1]?.toLowerCase();
    return name !== undefined && extra.has(name);
  };
}

/** The host name of an external URL setting, for `hostCheck`'s extra names. */
export function hostnameOf(url: string | undefined): string[] {
  if (!url) return [];
  try {
    return [new URL(url).hostname.toLowerCase()];
  } catch {
    return [];
  }
}

/** The message of a request refused by the Host check. It does not echo the name it was sent. */
export const MISDIRECTED_MESSAGE =
  'this egresswatch listens on loopback and answers only requests addressed to 127.0.0.1, localhost or [::1] (a guard against DNS rebinding); open it by one of those names, or set EGRESSWATCH_EXTERNAL_URL (alerts.external_url) to also accept its host name';

/** Bearer tokens accepted on /v1/traces, compared by SHA-256 in constant time. */
export class IngestTokens {
  private readonly hashes: Buffer[];
  constructor(tokens: readonly string[]) {
    this.hashes = tokens.map(sha256);
  }

  /** No tokens configured: ingest is open (and the listener must be loopback). */
  get open(): boolean {
    return this.hashes.length === 0;
  }

  /** Whether an `Authorization` header value carries one of the tokens. */
  accepts(authorization: string | undefined): boolean {
    if (this.open) return true;
    const presented = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
    if (!presented) return false;
    const hash = sha256(presented);
    // Every token is compared, so the time taken does not say which one nearly matched.
    return this.hashes.reduce((found, t) => timingSafeEqual(t, hash) || found, false);
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
