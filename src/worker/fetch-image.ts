import { ImageError } from '../core/errors/index.js';
import { fetchImageUrlWithEtag } from '../core/io/fetch-image-url.js';
import type { Storage } from '../storage/types.js';

export interface FetchedImage {
  body: Buffer;
  etag?: string;
}

export interface FetchOptions {
  maxBytes: number;
  /** Ends the fetch (deadline, shutdown): the body stops streaming too. */
  signal?: AbortSignal;
}

/**
 * Bytes of one image: `s3://` and `file://` through the storage layer (which retries transient errors,
 * enforces `maxBytes` and throws StorageError), `http(s)://` with fetch and the same size limit.
 */
export async function fetchImage(storage: Storage, uri: string, opts: FetchOptions): Promise<FetchedImage> {
  if (/^https?:\/\//.test(uri)) return fetchHttp(uri, opts);
  return storage.get(uri, { maxBytes: opts.maxBytes, ...(opts.signal ? { signal: opts.signal } : {}) });
}

async function fetchHttp(uri: string, opts: FetchOptions): Promise<FetchedImage> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ImageError('IMAGE_FETCH_FAILED', `${uri}: the image URL is malformed`);
  }
  return fetchImageUrlWithEtag(url, {
    maxBytes: opts.maxBytes,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
