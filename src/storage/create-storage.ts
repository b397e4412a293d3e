import { logger } from '../observability/logger.js';
import { metrics } from '../observability/metrics.js';
import { storageConfigFromEnv, validateStorageConfig } from './config.js';
import { FileBackend } from './file-backend.js';
import { S3Backend } from './s3-backend.js';
import { StorageError } from './storage-error.js';
import type { ListOptions, ObjectInfo, RetryInfo, Storage, StorageConfig } from './types.js';
import { parseUri } from './uri.js';

function defaultOnRetry(info: RetryInfo): void {
  logger().warn(
    {
      component: 'storage',
      op: info.operation,
      uri: info.uri,
      attempt: info.attempt,
      delayMs: info.delayMs,
      err: info.error.message,
    },
    'storage request failed transiently; retrying',
  );
}

/**
 * ONE Storage routing `s3://` and `file://` URIs to their backend. The S3 client is created on first
 * use, so file-only runs never touch AWS configuration. Without `config`, settings come from the
 * environment (`storageConfigFromEnv()`); to override some, pass `{ ...storageConfigFromEnv(), ...flags }`.
 * Every retry increments `zeroshot_retries_total{kind="storage"}` and calls `config.onRetry`.
 */
export function createStorage(config: StorageConfig = storageConfigFromEnv()): Storage {
  validateStorageConfig(config);
  const onRetry = (info: RetryInfo) => {
    (config.metrics ?? metrics()).retries.inc({ kind: 'storage' });
    (config.onRetry ?? defaultOnRetry)(info);
  };
  const file = new FileBackend(config.fileRoots ? { roots: config.fileRoots } : {});
  let s3: S3Backend | undefined;
  let closed = false;
  const backend = (uri: string): FileBackend | S3Backend => {
    const { scheme } = parseUri(uri);
    if (scheme === 'file') return file;
    if (closed)
      throw new StorageError('STORAGE_FAILED', `cannot use ${uri}: this storage was closed`, { uri });
    s3 ??= new S3Backend(config, onRetry);
    return s3;
  };
  return {
    async *list(prefixUri: string, opts?: ListOptions): AsyncGenerator<ObjectInfo> {
      yield* backend(prefixUri).list(prefixUri, opts);
    },
    get: async (uri, opts) => backend(uri).get(uri, opts),
    head: async (uri) => backend(uri).head(uri),
    put: async (uri, body, opts) => backend(uri).put(uri, body, opts),
    delete: async (uri) => backend(uri).delete(uri),
    close() {
      closed = true;
      s3?.close();
      s3 = undefined;
    },
  };
}
