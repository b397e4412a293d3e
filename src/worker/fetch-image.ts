import { ImageError } from '../core/errors/index.js';
import type { Storage } from '../storage/types.js';

export interface FetchedImage {
  body: Buffer;
  etag?: string;
}

export interface FetchOptions {
  maxBytes: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Bytes of one image: `s3://` and `file://` through the storage layer (which retries transient errors and
 * throws StorageError), `http(s)://` with fetch and the same size limit.
 */
export async function fetchImage(storage: Storage, uri: string, opts: FetchOptions): Promise<FetchedImage> {
  if (/^https?:\/\//.test(uri)) return fetchHttp(uri, opts);
  const got = await storage.get(uri, {
    maxBytes: opts.maxBytes,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (got.body.length > opts.maxBytes) {
    throw new ImageError(
      'IMAGE_TOO_LARGE',
      `${uri} has ${got.body.length} bytes; the limit is ${opts.maxBytes}`,
    );
  }
  return got;
}

async function fetchHttp(uri: string, opts: FetchOptions): Promise<FetchedImage> {
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000), ...(opts.signal ? [opts.signal] : [])];
  let res: Response;
  try {
    res = await fetch(uri, { signal: AbortSignal.any(signals), redirect: 'follow' });
  } catch (err) {
    throw new ImageError('IMAGE_FETCH_FAILED', `${uri}: ${(err as Error).message}`, { retryable: true });
  }
  if (res.status === 404 || res.status === 410) {
    throw new ImageError('IMAGE_NOT_FOUND', `${uri} answered HTTP ${res.status}`);
  }
  if (!res.ok) throw new ImageError('IMAGE_FETCH_FAILED', `${uri} answered HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 'NaN');
  if (declared > opts.maxBytes) {
    await res.body?.cancel();
    throw new ImageError('IMAGE_TOO_LARGE', `${uri} has ${declared} bytes; the limit is ${opts.maxBytes}`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of res.body ?? []) {
    size += part.length;
    if (size > opts.maxBytes) {
      throw new ImageError('IMAGE_TOO_LARGE', `${uri} is larger than the limit of ${opts.maxBytes} bytes`);
    }
    parts.push(Buffer.from(part));
  }
  const etag = res.headers.get('etag')?.replace(/^W\//, '').replaceAll('"', '');
  return { body: Buffer.concat(parts), ...(etag ? { etag } : {}) };
}
