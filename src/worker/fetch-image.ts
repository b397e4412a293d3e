import { ImageError } from '../core/errors/index.js';
import { fetchImageUrlHashed } from '../core/io/fetch-image-url.js';
import type { HttpSourcePolicy } from '../core/io/http-source-policy.js';
import type { Storage } from '../storage/types.js';

export interface FetchedImage {
  body: Buffer;
  etag?: string;
}

export interface FetchOptions {
  maxBytes: number;
  /** http(s) sources: off unless the worker was given an allow-list (see WorkerConfig.httpSources). */
  httpSources: HttpSourcePolicy;
  /** Ends the fetch (deadline, shutdown): the body stops streaming too. */
  signal?: AbortSignal;
}

/**
 * Bytes of one image: `s3://` and `file://` through the storage layer (which retries transient errors,
 * enforces `maxBytes` and throws StorageError), `http(s)://` through core's one fetcher under the worker's
 * policy. For http the "etag" is our own content hash: the remote server's headers are never kept.
 */
export async function fetchImage(storage: Storage, uri: string, opts: FetchOptions): Promise<FetchedImage> {
  if (/^https?:\/\//i.test(uri)) return fetchHttp(uri, opts);
  return storage.get(uri, { maxBytes: opts.maxBytes, ...(opts.signal ? { signal: opts.signal } : {}) });
}

async function fetchHttp(uri: string, opts: FetchOptions): Promise<FetchedImage> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ImageError('IMAGE_FETCH_FAILED', 'the image URL is malformed');
  }
  const { body, contentHash } = await fetchImageUrlHashed(url, {
    maxBytes: opts.maxBytes,
    policy: opts.httpSources,
  });
  return { body, etag: `sha256-${contentHash}` };
}
