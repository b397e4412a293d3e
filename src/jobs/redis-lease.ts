import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';

// Extends the lease only if we still hold it (our token is the value).
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
// Deletes the lease only if we still hold it: never releases another holder's lease.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * A single-holder lease in Redis: SET NX PX to take it, a compare-and-pexpire script to keep it,
 * a compare-and-delete script to give it back. A holder that dies loses it after `ttlMs` (Redis expires it:
 * no clock of ours is involved). Used for the queue-depth exporter election, a run's producer and the
 * computation of shared text embeddings.
 */
export class RedisLease {
  readonly token = `${os.hostname()}:${process.pid}:${randomUUID()}`;

  constructor(
    private readonly redis: Pick<Redis, 'set' | 'eval'>,
    readonly key: string,
    readonly ttlMs: number,
  ) {}

  /** Takes the lease if nobody holds it; true when taken. */
  async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /** Extends the lease if we still hold it; false when it was lost (expired or taken by another). */
  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  /** Takes the lease if free, renews it if ours; true when we hold it afterwards. */
  async acquireOrRenew(): Promise<boolean> {
    return (await this.acquire()) || (await this.renew());
  }

  /** Gives the lease back if we hold it; true when something was released. */
  async release(): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.key, this.token)) === 1;
  }

  /**
   * Renews every third of the TTL until stopped. `lost` turns true (and `onLost` is called once) when a
   * renewal finds the lease gone; a failed renewal (Redis unreachable) is retried at the next tick.
   */
  keepAlive(onLost?: () => void): { readonly lost: boolean; stop(): void } {
    let lost = false;
    const timer = setInterval(
      () => {
        this.renew().then(
          (held) => {
            if (!held && !lost) {
              lost = true;
              clearInterval(timer);
              onLost?.();
            }
          },
          () => {},
        );
      },
      Math.max(50, Math.floor(this.ttlMs / 3)),
    );
    timer.unref();
    return {
      get lost() {
        return lost;
      },
      stop: () => clearInterval(timer),
    };
  }
}
