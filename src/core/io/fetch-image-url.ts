import { ImageError } from '../errors/index.js';

export interface FetchImageOptions {
  maxBytes: number;
  /** Whole-request deadline including the body (default 30 s). */
  timeoutMs?: number;
  /** Aborts the download early (reported like a timeout: IMAGE_FETCH_FAILED, retryable). */
  signal?: AbortSignal;
}

export interface FetchedImageUrl {
  body: Buffer;
  /** The response's ETag without quotes or `W/`, when it sent one. */
  etag?: string;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

/** Downloads an http(s) image with a deadline, refusing bodies over `maxBytes` without buffering them. */
export async function fetchImageUrl(url: URL, opts: FetchImageOptions): Promise<Buffer> {
  return (await fetchImageUrlWithEtag(url, opts)).body;
}

/** fetchImageUrl that also returns the response's ETag. */
export async function fetchImageUrlWithEtag(url: URL, opts: FetchImageOptions): Promise<FetchedImageUrl> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow', headers: { accept: 'image/*,*/*;q=0.5' } });
  } catch (err) {
    throw networkError(err, timeoutMs);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    if (res.status === 404 || res.status === 410) {
      throw new ImageError('IMAGE_NOT_FOUND', `the server answered HTTP ${res.status}`);
    }
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new ImageError('IMAGE_FETCH_FAILED', `the server answered HTTP ${res.status}`, { retryable });
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > opts.maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(declared, opts.maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if (res.body) {
      for await (const chunk of res.body) {
        total += chunk.byteLength;
        if (total > opts.maxBytes) {
          throw tooLarge(total, opts.maxBytes, true);
        }
        chunks.push(chunk);
      }
    }
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw networkError(err, timeoutMs);
  }
  if (total === 0) throw new ImageError('IMAGE_EMPTY', 'the server returned zero bytes');
  const etag = res.headers.get('etag')?.replace(/^W\//, '').replaceAll('"', '');
  return { body: Buffer.concat(chunks, total), ...(etag ? { etag } : {}) };
}

function tooLarge(bytes: number, max: number, streamed = false): ImageError {
  const size = streamed ? `more than ${max} bytes (stopped reading)` : `${bytes} bytes`;
  return new ImageError('IMAGE_TOO_LARGE', `the download has ${size}, over the limit of ${max}`);
}

function networkError(err: unknown, timeoutMs: number): ImageError {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new ImageError('IMAGE_FETCH_FAILED', `the download timed out after ${timeoutMs} ms`, {
      cause: err,
      retryable: true,
    });
  }
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new ImageError('IMAGE_FETCH_FAILED', `the download failed: ${detail}`, {
    cause: err,
    retryable: true,
  });
}
