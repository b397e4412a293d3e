import { after, before } from 'node:test';
import { createStorage, type StorageConfig } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import type { RunningWorker, StartWorkerOptions } from '../../src/worker/index.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { type S3Fault, type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { startTestWorker } from './helpers.js';

/** What s3FaultSuite() gives a describe(): filled in by its before() hook. */
export interface S3FaultSuite {
  redis: RedisServerHandle;
  s3: S3ServerHandle;
  /** In front of `s3`, injecting no fault until the test sets a rate or a key fault. */
  proxy: S3FaultProxy;
  /** Storage straight to `s3`: seeds inputs and reads results without faults. */
  direct: Storage;
  /** Storage through `proxy`: the worker's. */
  flaky: Storage;
  worker: RunningWorker;
}

export interface S3FaultSuiteOptions {
  bucket: string;
  prefix: string;
  faults: S3Fault[];
  seed: number;
  /** Retry and timeout settings of `flaky`. */
  flaky: Omit<StorageConfig, 'endpoint' | 'region' | 'forcePathStyle' | 'credentials'>;
  worker?: Omit<StartWorkerOptions, 'redisUrl' | 'queuePrefix' | 'storage'>;
}

/**
 * Registers before/after hooks (60 s each): a private redis-server and s3rver with `bucket`, a fault proxy
 * in front of it (rate 0), and startTestWorker on `prefix` reading and writing through the proxy; after()
 * closes them in reverse. The caller's own before() hooks run after these.
 */
export function s3FaultSuite(o: S3FaultSuiteOptions): S3FaultSuite {
  const ctx = {} as S3FaultSuite;
  before(
    async () => {
      [ctx.redis, ctx.s3] = await Promise.all([startRedisServer(), startS3Server([o.bucket])]);
      const { s3 } = ctx;
      const base = { region: s3.region, forcePathStyle: true, credentials: s3.credentials };
      ctx.direct = createStorage({ ...base, endpoint: s3.endpoint });
      ctx.proxy = await startS3FaultProxy({ target: s3.endpoint, rate: 0, faults: o.faults, seed: o.seed });
      ctx.flaky = createStorage({ ...base, endpoint: ctx.proxy.endpoint, ...o.flaky });
      ctx.worker = startTestWorker({
        redisUrl: ctx.redis.url,
        queuePrefix: o.prefix,
        storage: ctx.flaky,
        ...o.worker,
      });
      await ctx.worker.ready;
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      await ctx.worker?.close({ timeoutMs: 5_000 });
      ctx.direct?.close();
      ctx.flaky?.close();
      await ctx.proxy?.stop();
      await Promise.all([ctx.redis?.stop(), ctx.s3?.stop()]);
    },
    { timeout: 60_000 },
  );
  return ctx;
}
