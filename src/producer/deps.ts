import type { Redis } from 'ioredis';
import { ZeroshotError } from '../core/errors/index.js';
import { createRedis, keys, queueConfigFromEnv } from '../jobs/index.js';
import { redactUrl } from '../observability/logger.js';
import { runRetentionFromEnv } from '../runs/retention.js';
import { RunStore } from '../runs/run-store.js';
import type { Storage } from '../storage/types.js';

/** How the producer reaches Redis and storage. Everything defaults from the environment. */
export interface ProducerDeps {
  /** Default `REDIS_URL` or redis://127.0.0.1:6379. Ignored when `connection` is given. */
  redisUrl?: string;
  /** An open ioredis client to reuse (not closed by the producer). */
  connection?: Redis;
  /** BullMQ prefix, default `ZEROSHOT_QUEUE_PREFIX` or `{zeroshot}` (keep the hash tag for Redis Cluster). */
  prefix?: string;
  /** Storage used to list prefixes and read manifests; default `createStorage(storageConfigFromEnv())`. */
  storage?: Storage;
  env?: NodeJS.ProcessEnv;
}

/** Resolved dependencies of one producer call; `close()` releases only what this call opened. */
export interface ProducerContext {
  redis: Redis;
  prefix: string;
  keys: ReturnType<typeof keys>;
  /** The run records (all reads and writes of run hashes). */
  runs: RunStore;
  env: NodeJS.ProcessEnv;
  storage(): Promise<Storage>;
  close(): Promise<void>;
}

export async function openContext(deps: ProducerDeps = {}): Promise<ProducerContext> {
  const env = deps.env ?? process.env;
  const cfg = queueConfigFromEnv(env, {
    ...(deps.redisUrl ? { redisUrl: deps.redisUrl } : {}),
    ...(deps.prefix ? { prefix: deps.prefix } : {}),
  });
  const ownRedis = !deps.connection;
  const redis = deps.connection ?? (await connect(cfg.redisUrl, env));
  let ownStorage: Storage | undefined;
  return {
    redis,
    prefix: cfg.prefix,
    keys: keys(cfg.prefix),
    runs: new RunStore(redis, cfg.prefix, { retentionMs: runRetentionFromEnv(env) }),
    env,
    async storage() {
      if (deps.storage) return deps.storage;
      if (!ownStorage) {
        const { createStorage, storageConfigFromEnv } = await import('../storage/index.js');
        ownStorage = createStorage(storageConfigFromEnv(env));
      }
      return ownStorage;
    },
    async close() {
      ownStorage?.close();
      if (ownRedis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Runs `fn` with a context opened from `deps`, always closing it. */
export async function withContext<T>(
  deps: ProducerDeps | undefined,
  fn: (ctx: ProducerContext) => Promise<T>,
): Promise<T> {
  const ctx = await openContext(deps);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Opens a client and fails fast (REDIS_UNAVAILABLE, password redacted) when Redis cannot be reached. */
async function connect(url: string, env: NodeJS.ProcessEnv, timeoutMs = 10_000): Promise<Redis> {
  let redis: Redis;
  try {
    redis = createRedis(url, { env });
  } catch (err) {
    throw new ZeroshotError(
      'REDIS_UNAVAILABLE',
      `invalid REDIS_URL ${redactUrl(url)}: ${(err as Error).message}`,
    );
  }
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      }),
    ]);
    return redis;
  } catch (err) {
    redis.disconnect();
    const why = lastError?.message ?? (err as Error).message;
    throw new ZeroshotError('REDIS_UNAVAILABLE', `cannot reach Redis at ${redactUrl(url)}: ${why}`, {
      cause: err,
      retryable: true,
    });
  } finally {
    clearTimeout(timer);
  }
}
