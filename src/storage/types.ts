import type { PutBody } from './put-body.js';

/**
 * The one storage contract used by producer and worker. Backends: `s3://bucket/key` and `file:///abs/path`.
 * URIs are always absolute; a "prefix" URI ends with `/`.
 */
export type { LineSource, PutBody } from './put-body.js';

export interface ObjectInfo {
  uri: string;
  /** Bytes. */
  size: number;
  /** Opaque version tag (S3 ETag without quotes; file backend: derived from size + mtime). */
  etag?: string;
  lastModified?: Date;
}

export interface GetOptions {
  /**
   * Reject with a `StorageError` code `STORAGE_TOO_LARGE` above this many bytes: checked against the size
   * announced by the backend before reading, and again while streaming (never buffers more than this).
   */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface ListOptions {
  signal?: AbortSignal;
  /** Only keys strictly after this full URI (resume a listing; S3 `StartAfter`). */
  startAfter?: string;
}

export interface PutOptions {
  contentType?: string;
}

export interface Storage {
  /**
   * Recursive listing under a prefix URI, paginated internally, in key order (UTF-8 byte order, as S3).
   * Never buffers the whole listing. A prefix without a trailing `/` matches keys starting with it (as S3).
   * S3: a missing bucket fails with STORAGE_BUCKET_NOT_FOUND, an empty prefix yields nothing.
   * file: a missing directory fails with STORAGE_NOT_FOUND.
   */
  list(prefixUri: string, opts?: ListOptions): AsyncIterable<ObjectInfo>;
  get(uri: string, opts?: GetOptions): Promise<{ body: Buffer; etag?: string }>;
  /** undefined when the object does not exist. */
  head(uri: string): Promise<ObjectInfo | undefined>;
  /**
   * Atomic: readers see the old object or the new one, never a partial one. A `LineSource` body is written
   * line by line (file: streamed to the temp file; S3: one PutObject of the joined bytes).
   */
  put(uri: string, body: PutBody, opts?: PutOptions): Promise<{ etag?: string }>;
  /** Idempotent: deleting an object that does not exist succeeds (as on S3). */
  delete(uri: string): Promise<void>;
  close(): void;
}

/** Connection settings; `storageConfigFromEnv()` fills them from the AWS chain and `ZEROSHOT_S3_*`. */
export interface StorageConfig {
  /** S3 endpoint override (MinIO, s3rver...). Env: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, `ZEROSHOT_S3_ENDPOINT`. */
  endpoint?: string;
  region?: string;
  /** Path-style addressing (MinIO and most S3-compatible stores). Env: `ZEROSHOT_S3_FORCE_PATH_STYLE=1`. */
  forcePathStyle?: boolean;
  /** Attempts per request for transient errors (5xx, throttling, timeouts, resets). Default 5. Env: `ZEROSHOT_S3_MAX_ATTEMPTS`. */
  maxAttempts?: number;
  /** Explicit credentials; otherwise the AWS default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per-request timeout in ms. Default 30000. Env: `ZEROSHOT_S3_TIMEOUT_MS`. */
  requestTimeoutMs?: number;
  /** TCP connect timeout in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Backoff before retry n (1-based) is random(0, min(retryMaxDelayMs, retryBaseDelayMs * 2^n)). Default 100. */
  retryBaseDelayMs?: number;
  /** Default 5000. */
  retryMaxDelayMs?: number;
  /** Keys per listing page (1-1000). Default 1000. */
  listPageSize?: number;
  /**
   * Listing API: 'v2' (ListObjectsV2, default) or 'v1' (ListObjects with markers) for S3-compatible stores
   * whose V2 paging is broken. Env: `ZEROSHOT_S3_LIST_API`.
   */
  listApi?: 'v1' | 'v2';
  /**
   * `file://` confinement: when set, reads (list, get, head) of paths outside these absolute directories
   * (after resolving symbolic links) fail with STORAGE_OUTSIDE_ROOTS. Env: `ZEROSHOT_FILE_ROOTS`
   * (separated by `:`). Writes (the run output) are not confined.
   */
  fileRoots?: string[];
  /** Called before each retry (after the metric zeroshot_retries_total{kind="storage"} is incremented). */
  onRetry?: (info: RetryInfo) => void;
  /**
   * Where retries are counted (`zeroshot_retries_total{kind="storage"}`): pass your `Metrics` when it is
   * built on a custom registry. Default: the process-wide `metrics()`.
   */
  metrics?: { retries: { inc(labels: { kind: 'storage' }): void } };
}

export interface RetryInfo {
  operation: string;
  uri: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: Error;
}
