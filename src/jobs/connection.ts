import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
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

/** `ZEROSHOT_REDIS_CLUSTER=1`: `REDIS_URL` names one seed node of a Redis Cluster. */
export function isClusterMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.ZEROSHOT_REDIS_CLUSTER === '1' || env.ZEROSHOT_REDIS_CLUSTER === 'true';
}

/**
 * A client for `url`: a plain connection, or in cluster mode an ioredis Cluster seeded from it. A Cluster
 * speaks the same commands; every key we and BullMQ use shares the prefix's `{hash tag}`, so multi-key
 * scripts stay in one slot. Typed as `Redis` because callers only use the command API both share.
 */
export function createRedis(url: string, opts: { blocking?: boolean; env?: NodeJS.ProcessEnv } = {}): Redis {
  const options = redisOptions(url, opts);
  if (!isClusterMode(opts.env)) return new Redis(options);
  const { host, port, db: _db, ...nodeOptions } = options;
  return new Cluster([{ host: host as string, port: port as number }], {
    redisOptions: nodeOptions,
    enableReadyCheck: true,
    // TLS certificates name the seed host; keep host names as given instead of resolving them.
    ...(options.tls ? { dnsLookup: (address, cb) => cb(null, address) } : {}),
  }) as unknown as Redis;
}

/**
 * The `connection` for BullMQ workers: options BullMQ opens and closes itself, or in cluster mode a
 * Cluster client (BullMQ duplicates it for blocking commands) that `close()` disconnects afterwards.
 */
export function bullmqConnection(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): { connection: ConnectionOptions; close(): void } {
  if (!isClusterMode(env)) {
    return { connection: redisOptions(url, { blocking: true, env }) as ConnectionOptions, close() {} };
  }
  const cluster = createRedis(url, { blocking: true, env });
  return { connection: cluster as unknown as ConnectionOptions, close: () => cluster.disconnect() };
}
