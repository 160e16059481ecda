import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Options of the console's login codes and sessions; defaults resolved in the constructor. */
export interface ConsoleSessionOptions {
  /**
   * How long a login code stays valid. Default 10 min: time to open a link from the terminal,
   * short enough that a code left in scrollback or a shell history is of no use.
   */
  codeTtlMs?: number;
  /** Unused codes kept at most; minting another drops the oldest. Default 8. */
  maxCodes?: number;
  /**
   * A session ends this long after its last request. Default 24 h; an open console asks every
   * 30 s, so only a forgotten browser loses its session.
   */
  sessionIdleMs?: number;
  /** Sessions kept at most; a new one drops the least recently used. Default 32. */
  maxSessions?: number;
}

/** A login code as handed to the user; `code` goes into `/login?code=…` and works once. */
export interface LoginCode {
  code: string;
  expiresAt: number;
}

/**
 * The console's logins, held in memory by the running instance (a restart logs everybody out).
 * The page never carries the API token: `start` prints a one-time link with a login code, and
 * visiting it trades the code for a random session id in an HttpOnly cookie. Codes and session
 * ids are kept only as SHA-256 hashes, so a lookup's timing says nothing about a stored value.
 */
export class ConsoleSessions {
  private readonly codeTtlMs: number;
  private readonly maxCodes: number;
  private readonly sessionIdleMs: number;
  private readonly maxSessions: number;
  /** Code hash → expiry. Insertion order is age. */
  private readonly codes = new Map<string, number>();
  /** Session hash → last use. Kept in order of last use. */
  private readonly sessions = new Map<string, number>();

  constructor(options: ConsoleSessionOptions = {}) {
    this.codeTtlMs = options.codeTtlMs ?? 10 * 60_000;
    this.maxCodes = options.maxCodes ?? 8;
    this.sessionIdleMs = options.sessionIdleMs ?? 24 * 3_600_000;
    this.maxSessions = options.maxSessions ?? 32;
  }

  /** A fresh one-time login code. */
  mintCode(now = Date.now()): LoginCode {
    const code = randomBytes(24).toString('base64url');
    const expiresAt = now + this.codeTtlMs;
    this.codes.set(hash(code), expiresAt);
    while (this.codes.size > this.maxCodes) this.codes.delete(this.codes.keys().next().value!);
    return { code, expiresAt };
  }

  /** Trades a login code for a new session id; undefined when the code is unknown, used or expired. */
  redeem(code: string, now = Date.now()): string | undefined {
    const key = hash(code);
    const expiresAt = this.codes.get(key);
    this.codes.delete(key);
    if (expiresAt === undefined || expiresAt < now) return undefined;
    const session = randomBytes(32).toString('base64url');
    this.sessions.set(hash(session), now);
    while (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    return session;
  }

  /** Whether `session` is a live session; using it keeps it alive. */
  touch(session: string | undefined, now = Date.now()): boolean {
    if (!session) return false;
    const key = hash(session);
    const lastUse = this.sessions.get(key);
    this.sessions.delete(key);
    if (lastUse === undefined || now - lastUse > this.sessionIdleMs) return false;
    this.sessions.set(key, now);
    return true;
  }

  /** The session cookie of `req`, if it carries a live one. */
  fromRequest(req: Pick<FastifyRequest, 'headers' | 'socket'>): boolean {
    return this.touch(readCookie(req.headers.cookie, sessionCookieName(req)));
  }
}

/**
 * The session cookie's name. Browsers keep cookies per host name, not per port, so two
 * instances on one machine (ports 4318 and 4319) would overwrite each other's session under one
 * name; the local port tells them apart.
 */
export function sessionCookieName(req: Pick<FastifyRequest, 'socket'>): string {
  return `egresswatch_session_${req.socket.localPort ?? 0}`;
}

/**
 * The `Set-Cookie` value of a new session. HttpOnly: no script, not even one injected into the
 * page, reads it. SameSite=Strict: no other site's page or link sends it. No `Secure`: the
 * console is plain HTTP on loopback, where a Secure cookie would not be sent back by every browser.
 */
export function sessionCookie(req: Pick<FastifyRequest, 'socket'>, session: string): string {
  return `${sessionCookieName(req)}=${session}; HttpOnly; SameSite=Strict; Path=/`;
}

/** One cookie's value from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('base64');
}

/**
 * Whether a request comes from a page of this very origin (scheme aside): its `Origin` names the
 * host and port it was sent to. SameSite=Strict keeps the session cookie off requests started by
 * other sites, but the "site" of http://127.0.0.1:4318 is every port of 127.0.0.1: a page that
 * any local dev server serves on 127.0.0.1:8080 is same-site, and its form posts would carry the
 * cookie. Browsers send `Origin` with every POST, and a page cannot forge it.
 */
export function isSameOrigin(req: Pick<FastifyRequest, 'headers'>): boolean {
  const { origin, host } = req.headers;
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}
