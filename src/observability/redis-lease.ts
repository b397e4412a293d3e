import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';

// Extends the lease only if we still hold it (our token is the value).
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
// Deletes the lease only if we still hold it: never releases another holder's lease.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * A single-holder lease in Redis: SET NX PX to take it, a compare-and-pexpire script to keep it,
 * a compare-and-delete script to give it back. A holder that dies loses it after `ttlMs`.
 */
export class RedisLease {
  readonly token = `${os.hostname()}:${process.pid}:${randomUUID()}`;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if free, renews it if ours; true when we hold it afterwards. */
  async acquireOrRenew(): Promise<boolean> {
    const taken = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    if (taken === 'OK') return true;
    const renewed = await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs));
    return renewed === 1;
  }

  /** Gives the lease back if we hold it; true when something was released. */
  async release(): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.key, this.token)) === 1;
  }
}
