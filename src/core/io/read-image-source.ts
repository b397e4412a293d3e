import { fileURLToPath } from 'node:url';
import { ImageError } from '../errors/index.js';
import type { ImageSource } from '../types.js';
import { fetchImageUrl } from './fetch-image-url.js';
import type { HttpSourcePolicy } from './http-source-policy.js';
import { readImageFile } from './read-image-file.js';

export interface ReadImageOptions {
  maxBytes: number;
  /** Deadline for http(s) downloads (default 30 s). */
  fetchTimeoutMs?: number;
  /** Which http(s) hosts may be fetched (default OPEN_HTTP_SOURCES: the caller's own URLs, as curl would). */
  httpSources?: HttpSourcePolicy;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Turns a path, `file://`/`http(s)://` URL (string or URL) or Buffer into the image's bytes, within limits. */
export async function readImageSource(source: ImageSource, opts: ReadImageOptions): Promise<Buffer> {
  if (Buffer.isBuffer(source)) {
    if (source.length === 0) throw new ImageError('IMAGE_EMPTY', 'the image has zero bytes');
    if (source.length > opts.maxBytes) {
      throw new ImageError(
        'IMAGE_TOO_LARGE',
        `the image has ${source.length} bytes, more than the limit of ${opts.maxBytes}`,
      );
    }
    return source;
  }
  if (source instanceof URL) return readUrl(source, opts);
  if (typeof source !== 'string' || source.length === 0) {
    throw new ImageError('IMAGE_NOT_FOUND', 'an image source must be a path, a URL or a Buffer');
  }
  if (URL_LIKE.test(source)) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new ImageError('IMAGE_FETCH_FAILED', 'the image URL is malformed');
    }
    return readUrl(url, opts);
  }
  return readImageFile(source, opts.maxBytes);
}

function readUrl(url: URL, opts: ReadImageOptions): Promise<Buffer> {
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    return fetchImageUrl(url, {
      maxBytes: opts.maxBytes,
      ...(opts.fetchTimeoutMs === undefined ? {} : { timeoutMs: opts.fetchTimeoutMs }),
      ...(opts.httpSources ? { policy: opts.httpSources } : {}),
    });
  }
  if (url.protocol === 'file:') return readImageFile(fileURLToPath(url), opts.maxBytes);
  throw new ImageError(
    'IMAGE_FETCH_FAILED',
    `${url.protocol.replace(/:$/, '')}:// URLs are not supported here (use a path, file://, http:// or https://)`,
  );
}
