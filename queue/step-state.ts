import { Redis } from 'ioredis';

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
  close(): Promise<void>;
}

/** In-process (no Redis): the state lives as long as the process. */
export class MemoryStepStateStore<T> implements StepStateStore<T> {
  private readonly map = new Map<string, StepState<T>>();
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

/** Redis-backed: shared by every worker; entries expire when a vendor goes quiet for long. */
export class RedisStepStateStore<T> implements StepStateStore<T> {
  private readonly redis: Redis;
  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly ttlMs = 30 * 24 * 3600 * 1000,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
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
  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
