/**
 * Storage: one `Storage` (createStorage) for `s3://bucket/key` and `file:///abs/path` URIs.
 *
 * - S3: @aws-sdk/client-s3 with the standard AWS chain (credentials: env keys, profile, SSO, web identity,
 *   container/instance roles; region: AWS_REGION, AWS_DEFAULT_REGION, profile, else us-east-1), endpoint and
 *   path-style overrides for MinIO/s3rver (storageConfigFromEnv reads them). SDK retries are off;
 *   transient errors (5xx, 429/SlowDown, timeouts, resets) are retried here with full-jitter exponential
 *   backoff, `maxAttempts` in total, each retry counted in zeroshot_retries_total{kind="storage"}.
 * - file: ETag = hash of size + mtime (fileEtag), atomic put (temp file + fsync + rename), listing in S3
 *   key order, symlinked files followed, symlinked directories skipped.
 * - file reads: regular files only, bounded (read-regular-file.ts), optionally confined to root
 *   directories (file-roots.ts, `fileRoots` / ZEROSHOT_FILE_ROOTS).
 * - Errors: StorageError with STORAGE_* codes; only STORAGE_TRANSIENT is `retryable`; file-system errors
 *   keep their errno in `osCode` and name it in the message (fs-errors.ts).
 */
export { STORAGE_DEFAULTS, storageConfigFromEnv } from './config.js';
export { createStorage } from './create-storage.js';
export { classifyS3Error } from './s3-errors.js';
export { StorageError, type StorageErrorCode } from './storage-error.js';
export type {
  GetOptions,
  LineSource,
  ListOptions,
  ObjectInfo,
  PutBody,
  PutOptions,
  RetryInfo,
  Storage,
  StorageConfig,
} from './types.js';
export { isPrefixUri, joinUri, type ParsedUri, parseUri } from './uri.js';
