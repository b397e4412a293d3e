import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { DEFAULT_PREFIX } from './names.js';

export interface QueueConfig {
  /** `redis://[:password@]host:port[/db]` or `rediss://` for TLS. Default `REDIS_URL` or redis://127.0.0.1:6379. */
  redisUrl: string;
  /** BullMQ prefix; keep the `{...}` hash tag for Redis Cluster. Default `ZEROSHOT_QUEUE_PREFIX` or `{zeroshot}`. */
  prefix: string;
}

export function queueConfigFromEnv(env = process.env, overrides: Partial<QueueConfig> = {}): QueueConfig {
  return {
    redisUrl: overrides.redisUrl ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: overrides.prefix ?? env.ZEROSHOT_QUEUE_PREFIX ?? DEFAULT_PREFIX,
  };
}

/**
 * ioredis options for a URL. `rediss://` turns TLS on; `ZEROSHOT_REDIS_TLS_CA` (PEM text or a PEM file path)
 * and `ZEROSHOT_REDIS_TLS_INSECURE=1` (skip verification) tune it.
 * `blocking` connections (BullMQ workers) must not give up on commands: maxRetriesPerRequest null.
 */
export function redisOptions(url: string, { blocking = false, env = process.env } = {}): RedisOptions {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must start with redis:// or rediss:// (got ${u.protocol}//...)`);
  }
  const opts: RedisOptions = {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: blocking ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
  };
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') {
    const ca = env.ZEROSHOT_REDIS_TLS_CA;
    opts.tls = {
      // SNI must be a host name (RFC 6066); an IP is still verified against the certificate's IP SANs.
      ...(isIP(u.hostname.replace(/^\[|\]$/g, '')) ? {} : { servername: u.hostname }),
      // PEM text, or the path of a PEM file (easier to mount as a secret).
      ...(ca ? { ca: ca.includes('-----BEGIN') ? ca : readFileSync(ca, 'utf8') } : {}),
      ...(env.ZEROSHOT_REDIS_TLS_INSECURE === '1' ? { rejectUnauthorized: false } : {}),
    };
  }
  return opts;
}

export function createRedis(url: string, opts: { blocking?: boolean } = {}): Redis {
  return new Redis(redisOptions(url, opts));
}
