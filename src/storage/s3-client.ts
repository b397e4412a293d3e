import { S3Client } from '@aws-sdk/client-s3';
import { STORAGE_DEFAULTS } from './config.js';
import type { StorageConfig } from './types.js';

export const DEFAULT_REGION = 'us-east-1';

/**
 * The SDK prints a NodeVersionSupportWarning on Node < 22 once per process, unless this variable is
 * "true" (the SDK's own switch, read by @aws-sdk/core emitWarningIfUnsupportedVersion). We set it only
 * when the user has not chosen either way.
 */
function silenceNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/**
 * Region through the SDK's own chain (AWS_REGION, then the shared config profile), falling back to
 * us-east-1 instead of failing: with a custom endpoint (MinIO, s3rver) the region rarely matters.
 */
function regionWithFallback(): () => Promise<string> {
  let resolved: Promise<string> | undefined;
  return () => {
    resolved ??= (async () => {
      const probe = new S3Client({});
      try {
        const region = await probe.config.region();
        return region || DEFAULT_REGION;
      } catch {
        return DEFAULT_REGION;
      } finally {
        probe.destroy();
      }
    })();
    return resolved;
  };
}

/**
 * One S3 client per Storage. SDK retries are off (maxAttempts 1): the storage layer owns the one bounded,
 * counted retry policy. Checksums only when the operation requires them, so that S3-compatible stores
 * without the newer checksum headers work.
 */
export function createS3Client(config: StorageConfig): S3Client {
  silenceNodeVersionWarning();
  const requestTimeout = config.requestTimeoutMs ?? STORAGE_DEFAULTS.requestTimeoutMs;
  const connectionTimeout = Math.min(
    config.connectTimeoutMs ?? STORAGE_DEFAULTS.connectTimeoutMs,
    requestTimeout,
  );
  return new S3Client({
    region: config.region ?? regionWithFallback(),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    maxAttempts: 1,
    // With the us-east-1 fallback region, buckets elsewhere answer 301: follow to the bucket's region.
    followRegionRedirects: config.endpoint === undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      requestTimeout,
      throwOnRequestTimeout: true,
      connectionTimeout,
      socketTimeout: requestTimeout,
    },
  });
}
