import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { logger } from '../common/logger.js';

const log = logger('queue');

/** A value that belongs to one evaluation step of one key (a vendor's alert lifecycle state). */
export interface StepState<T> {
  step: number;
  value: T;
}

/**
 * Where per-vendor detection state lives between steps, so that any worker can take a vendor's
 * next step. Writing step N is the record that N was evaluated: a retried or duplicated job for
 * a step at or before the stored one is recognised and skipped.
 */
export interface StepStateStore<T> {
  get(key: string): Promise<StepState<T> | undefined>;
  /** Stores `value` for `step` unless a later or equal step is stored already; returns whether it did. */
  set(key: string, step: number, value: T): Promise<boolean>;
  /**
   * Runs `fn` while holding the key's lock, so two steps of one vendor never interleave
   * (two workers, or a step that overtook a slow one). Waits for the lock up to `waitMs`.
   */
  withLock<R>(key: string, fn: () => Promise<R>, waitMs?: number): Promise<R>;
  close(): Promise<void>;
}

/** In-process (no Redis): the state lives as long as the process. */
export class MemoryStepStateStore<T> implements StepStateStore<T> {
  private readonly map = new Map<string, StepState<T>>();
  private readonly chains = new Map<string, Promise<unknown>>();
  async withLock<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return run;
  }
  async get(key: string): Promise<StepState<T> | undefined> {
    return this.map.get(key);
  }
  async set(key: string, step: number, value: T): Promise<boolean> {
    const current = this.map.get(key);
    if (current && current.step >= step) return false;
    this.map.set(key, { step, value });
    return true;
  }
  async close(): Promise<void> {}
}

// Compare-and-set in one round trip: write only when the stored step is older.
const SET_IF_NEWER = `
local current = redis.call('HGET', KEYS[1], 'step')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'step', ARGV[1], 'value', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

// Release only our own lock: it may have expired and been taken by another worker meanwhile.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
// Extend only our own lock.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * How long a vendor's lock outlives a worker that stops renewing it (killed, frozen). Renewed
 * every third of it while the step runs, so a step may take as long as it needs. Short, because
 * a dead worker's lock stalls that vendor's detection until it expires: with the former fixed
 * 300 s lease a SIGKILLed worker held its vendors for five minutes, longer than the surviving
 * worker waited (120 s), and the redone job failed its tries meanwhile. BullMQ gives the dead
 * worker's job to another within ~30 s (queue/bullmq-queue.ts), by when this lock is free.
 */
const DEFAULT_LEASE_MS = 15_000;

/** Redis-backed: shared by every worker; entries expire when a vendor goes quiet for long. */
export class RedisStepStateStore<T> implements StepStateStore<T> {
  private readonly redis: Redis;
  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly ttlMs = 30 * 24 * 3600 * 1000,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
    this.redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  }
  async get(key: string): Promise<StepState<T> | undefined> {
    const [step, value] = await this.redis.hmget(`${this.prefix}:${key}`, 'step', 'value');
    if (step === null || value === null || step === undefined || value === undefined) return undefined;
    return { step: Number(step), value: JSON.parse(value) as T };
  }
  async set(key: string, step: number, value: T): Promise<boolean> {
    const done = await this.redis.eval(SET_IF_NEWER, 1, `${this.prefix}:${key}`, String(step), JSON.stringify(value), String(this.ttlMs));
    return done === 1;
  }
  /**
   * `SET NX PX` lock with a lease renewed while `fn` runs, so a worker that dies frees its vendors
   * within `leaseMs` while a slow step keeps its lock.
   */
  async withLock<R>(key: string, fn: () => Promise<R>, waitMs = 120_000, leaseMs = DEFAULT_LEASE_MS): Promise<R> {
    const lockKey = `${this.prefix}:lock:${key}`;
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    while ((await this.redis.set(lockKey, token, 'PX', leaseMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`step state of '${key}' stayed locked for ${waitMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const renewal = setInterval(() => {
      this.redis.eval(RENEW, 1, lockKey, token, String(leaseMs)).then(
        (kept) => {
          if (kept !== 1) log.warn({ key }, 'a step ran past its lock lease (event loop blocked?); another worker may take the key');
        },
        (err: Error) => log.warn({ key, err: err.message }, 'could not renew a step lock'),
      );
    }, Math.max(1, Math.floor(leaseMs / 3)));
    renewal.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renewal);
      await this.redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
    }
  }
  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
