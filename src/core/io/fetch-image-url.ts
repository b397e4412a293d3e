import { createHash } from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { ImageError } from '../errors/index.js';
import {
  checkResolvedAddress,
  type HttpSourceMatch,
  type HttpSourcePolicy,
  matchHttpSource,
  OPEN_HTTP_SOURCES,
} from './http-source-policy.js';

export interface FetchImageOptions {
  maxBytes: number;
  /** Whole-request deadline including redirects and the body (default 30 s). */
  timeoutMs?: number;
  /** Aborts the download early (reported like a timeout: IMAGE_FETCH_FAILED, retryable). */
  signal?: AbortSignal;
  /** Which hosts and addresses may be fetched (default OPEN_HTTP_SOURCES: anything, as curl would). */
  policy?: HttpSourcePolicy;
  /** Redirects followed, each checked against the policy (default 5). */
  maxRedirects?: number;
}

export interface FetchedImageUrl {
  body: Buffer;
  /**
   * Our own identity of the bytes: the first 32 hex chars of their sha256. Response headers (ETag...) are
   * never passed on: they are the remote server's data, not ours.
   */
  contentHash: string;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Downloads an http(s) image with a deadline, refusing bodies over `maxBytes` without buffering them. */
export async function fetchImageUrl(url: URL, opts: FetchImageOptions): Promise<Buffer> {
  return (await fetchImageUrlHashed(url, opts)).body;
}

/**
 * The one http(s) image fetcher (library, `zeroshot classify` and workers). Every hop (the URL and each
 * redirect) must pass `opts.policy`; for `*` matches the address actually connected to is checked, so a
 * name that resolves (or re-resolves) to an internal address is refused. Errors are coarse on purpose: no
 * HTTP status, header or socket detail reaches a result line (they would let a submitter probe ports).
 */
export async function fetchImageUrlHashed(url: URL, opts: FetchImageOptions): Promise<FetchedImageUrl> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const policy = opts.policy ?? OPEN_HTTP_SOURCES;
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = url;
  for (let hop = 0; ; hop++) {
    const match = checkUrl(current, policy, hop > 0);
    const res = await request(current, match, signal, timeoutMs);
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status) && res.headers.location) {
      res.resume();
      if (hop >= maxRedirects) {
        throw new ImageError('IMAGE_FETCH_FAILED', `the server redirected more than ${maxRedirects} times`);
      }
      current = redirectTarget(current, res.headers.location);
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw statusError(status);
    }
    return readBody(res, opts.maxBytes, signal, timeoutMs);
  }
}

function checkUrl(url: URL, policy: HttpSourcePolicy, redirected: boolean): HttpSourceMatch {
  try {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ImageError('IMAGE_SOURCE_FORBIDDEN', 'only http:// and https:// URLs can be downloaded');
    }
    const match = matchHttpSource(url, policy);
    if (net.isIP(url.hostname.replace(/^\[|\]$/g, ''))) {
      checkResolvedAddress(url.hostname.replace(/^\[|\]$/g, ''), match);
    }
    return match;
  } catch (err) {
    if (redirected && err instanceof ImageError) {
      // The redirect target itself is not echoed: it may name an internal host.
      throw new ImageError('IMAGE_SOURCE_FORBIDDEN', 'the server redirected to a URL that is not allowed');
    }
    throw err;
  }
}

function redirectTarget(from: URL, location: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new ImageError('IMAGE_FETCH_FAILED', 'the server sent a malformed redirect');
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw new ImageError('IMAGE_SOURCE_FORBIDDEN', 'the server redirected from https to plain http');
  }
  return next;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: unknown, family?: number) => void;

/** dns.lookup that refuses addresses the match does not allow: the check is on what is connected to. */
function guardedLookup(match: HttpSourceMatch) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, undefined);
      try {
        for (const a of addresses) checkResolvedAddress(a.address, match);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, undefined);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      return callback(null, first?.address, first?.family);
    });
  };
}

function request(
  url: URL,
  match: HttpSourceMatch,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<http.IncomingMessage> {
  const get = url.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(
      url,
      {
        signal,
        headers: { accept: 'image/*,*/*;q=0.5', 'user-agent': 'zeroshot' },
        lookup: guardedLookup(match) as unknown as typeof dns.lookup,
      },
      resolve,
    );
    req.on('error', (err) => reject(networkError(err, signal, timeoutMs)));
  });
}

async function readBody(
  res: http.IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<FetchedImageUrl> {
  const declared = Number(res.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    res.destroy();
    throw tooLarge(declared, maxBytes);
  }
  const chunks: Buffer[] = [];
  const hash = createHash('sha256');
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        res.destroy();
        throw tooLarge(total, maxBytes, true);
      }
      hash.update(chunk);
      chunks.push(chunk);
    }
  } catch (err) {
    throw networkError(err, signal, timeoutMs);
  }
  if (total === 0) throw new ImageError('IMAGE_EMPTY', 'the server returned zero bytes');
  return { body: Buffer.concat(chunks, total), contentHash: hash.digest('hex').slice(0, 32) };
}

/** Coarse on purpose: the exact status would let whoever enqueues map internal services. */
function statusError(status: number): ImageError {
  if (status === 404 || status === 410)
    return new ImageError('IMAGE_NOT_FOUND', 'the server has no such image');
  if (status >= 500 || status === 429 || status === 408) {
    return new ImageError('IMAGE_FETCH_FAILED', 'the server failed the request (temporary)', {
      retryable: true,
    });
  }
  return new ImageError('IMAGE_FETCH_FAILED', 'the server refused the request');
}

function tooLarge(bytes: number, max: number, streamed = false): ImageError {
  const size = streamed ? `more than ${max} bytes (stopped reading)` : `${bytes} bytes`;
  return new ImageError('IMAGE_TOO_LARGE', `the download has ${size}, over the limit of ${max}`);
}

function networkError(err: unknown, signal: AbortSignal, timeoutMs: number): ImageError {
  if (err instanceof ImageError) return err;
  if (signal.aborted) {
    return new ImageError('IMAGE_FETCH_FAILED', `the download timed out after ${timeoutMs} ms`, {
      cause: err,
      retryable: true,
    });
  }
  return new ImageError('IMAGE_FETCH_FAILED', 'the download failed (connection error)', {
    cause: err,
    retryable: true,
  });
}
