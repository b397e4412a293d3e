// Real services for the end-to-end bench: a private redis-server and an S3-compatible server (s3rver),
// started exactly as the integration tests start them.
import { type RedisServerHandle, startRedisServer } from '../../test/support/redis-server.js';
import { type S3ServerHandle, startS3Server } from '../../test/support/s3-server.js';

export interface BenchServices {
  redis: RedisServerHandle;
  s3: S3ServerHandle;
  bucket: string;
  /** Environment for zeroshot child processes (worker, enqueue). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startServices(bucket = 'zeroshot-bench'): Promise<BenchServices> {
  const redis = await startRedisServer();
  let s3: S3ServerHandle;
  try {
    s3 = await startS3Server([bucket]);
  } catch (err) {
    await redis.stop();
    throw err;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redis.url,
    ZEROSHOT_S3_ENDPOINT: s3.endpoint,
    ZEROSHOT_S3_FORCE_PATH_STYLE: '1',
    // s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 refuses: every listing longer than
    // one page fails with a 500. ListObjects (v1, markers) pages fine; real S3 keeps the v2 default.
    ZEROSHOT_S3_LIST_API: 'v1',
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: s3.region,
    ZEROSHOT_LOG_LEVEL: process.env.ZEROSHOT_LOG_LEVEL ?? 'warn',
    ZEROSHOT_LOG_FORMAT: 'json',
  };
  // The producer API runs inside the bench process, and the AWS SDK's default credential chain reads
  // process.env: point this process at the private s3rver too.
  for (const k of [
    'ZEROSHOT_S3_ENDPOINT',
    'ZEROSHOT_S3_FORCE_PATH_STYLE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_REGION',
  ]) {
    process.env[k] = env[k];
  }
  return {
    redis,
    s3,
    bucket,
    env,
    async stop() {
      await Promise.allSettled([s3.stop(), redis.stop()]);
    },
  };
}
