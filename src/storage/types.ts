/**
 * The one storage contract used by producer and worker. Backends: `s3://bucket/key` and `file:///abs/path`.
 * URIs are always absolute; a "prefix" URI ends with `/`.
 */
export interface ObjectInfo {
  uri: string;
  /** Bytes. */
  size: number;
  /** Opaque version tag (S3 ETag without quotes; file backend: derived from size + mtime). */
  etag?: string;
  lastModified?: Date;
}

export interface GetOptions {
  /** Reject with STORAGE_FAILED/IMAGE_TOO_LARGE-style errors above this many bytes (checked before buffering). */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface PutOptions {
  contentType?: string;
}

export interface Storage {
  /** Recursive listing under a prefix URI, paginated internally, in key order. Never buffers the whole listing. */
  list(prefixUri: string, opts?: { signal?: AbortSignal }): AsyncIterable<ObjectInfo>;
  get(uri: string, opts?: GetOptions): Promise<{ body: Buffer; etag?: string }>;
  /** undefined when the object does not exist. */
  head(uri: string): Promise<ObjectInfo | undefined>;
  /** Atomic: readers see the old object or the new one, never a partial one. */
  put(uri: string, body: Buffer | string, opts?: PutOptions): Promise<{ etag?: string }>;
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
  /** Attempts per request for transient errors (5xx, throttling, timeouts, resets). Default 5. */
  maxAttempts?: number;
  /** Explicit credentials; otherwise the AWS default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per-request timeout in ms. Default 30000. */
  requestTimeoutMs?: number;
}
