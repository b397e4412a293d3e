import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ModelError } from '../../errors/index.js';
import { causeText, downloadError, hubFetch, statusProblem } from './hub-client.js';

export interface DownloadOptions {
  headers?: Record<string, string>;
  /** Expected size in bytes (verified before the file gets its final name). */
  size?: number;
  /** Expected sha256 (hex), verified when given. */
  sha256?: string;
  /** Expected git blob sha1 (small files stored in git), verified when given. */
  gitOid?: string;
  /** Bytes of this file on disk so far (called as data arrives, and once with the resumed offset). */
  onProgress?: (bytes: number) => void;
  /** Attempts per file for transient failures (dropped connections, 5xx, 429); default 5. */
  attempts?: number;
  /** First retry delay, doubled each time; default 1000 ms. */
  retryDelayMs?: number;
  /** Abort a request that sends nothing for this long; default 60 s. */
  idleTimeoutMs?: number;
}

class Retryable extends Error {}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function digest(file: string, algorithm: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  const hash = createHash(algorithm);
  if (prefix !== undefined) hash.update(prefix);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One request from `offset`; appends to `part`. Returns the bytes now in `part`. */
async function fetchFrom(url: string, part: string, offset: number, opts: DownloadOptions): Promise<number> {
  const controller = new AbortController();
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  let idle = setTimeout(() => controller.abort(), idleMs);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), idleMs);
  };
  try {
    const headers: Record<string, string> = { ...opts.headers };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let res: Response;
    try {
      res = await hubFetch(url, { headers, signal: controller.signal });
    } catch (err) {
      if (err instanceof ModelError) throw err;
      throw new Retryable(`request failed: ${(err as Error).message}${causeText(err)}`);
    }
    if (res.status === 416 && offset > 0) {
      // Nothing left after offset: either complete or our part is longer than the file.
      await res.body?.cancel();
      if (offset === opts.size) return offset;
      await rm(part, { force: true });
      throw downloadError(
        url,
        `size mismatch: the server has no bytes after ${offset}, the listing says ${opts.size ?? 'unknown'}`,
      );
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      await res.body?.cancel();
      throw new Retryable(statusProblem(res.status, res.statusText));
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw downloadError(url, statusProblem(res.status, res.statusText));
    }
    let start = offset;
    if (offset > 0 && res.status !== 206) start = 0; // the server ignored Range: start over
    if (!res.body) throw new Retryable('the response has no body');
    let bytes = start;
    opts.onProgress?.(bytes);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        touch();
        bytes += chunk.length;
        opts.onProgress?.(bytes);
        done(null, chunk);
      },
    });
    const out = createWriteStream(part, { flags: start === 0 ? 'w' : 'a' });
    try {
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), counter, out);
    } catch (err) {
      // The pipeline may reject before the file's pending writes land: measuring the part then would resume
      // from too early an offset and append bytes twice (seen once in CI under load: 33,792 bytes too many).
      // The write stream closes only once its writes are done.
      if (!out.closed) await new Promise<void>((closed) => out.once('close', () => closed()));
      throw new Retryable(`connection lost after ${bytes} bytes: ${(err as Error).message}${causeText(err)}`);
    }
    return sizeOf(part);
  } finally {
    clearTimeout(idle);
  }
}

/**
 * Downloads `url` to `dest` through `dest.part`: resumes a partial file with a Range request (also after
 * a dropped connection), verifies size and checksums, then renames. Errors are MODEL_DOWNLOAD_FAILED
 * naming the URL and the HTTP status or the mismatch.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const attempts = opts.attempts ?? 5;
  const baseDelay = opts.retryDelayMs ?? 1000;
  let offset = await sizeOf(part);
  if (opts.size !== undefined && offset > opts.size) {
    await truncate(part, 0);
    offset = 0;
  }
  let failures = 0;
  while (opts.size === undefined || offset < opts.size) {
    let now: number;
    try {
      now = await fetchFrom(url, part, offset, opts);
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      now = await sizeOf(part);
      // A connection that dropped after making progress does not count against the attempts.
      failures = now > offset ? 1 : failures + 1;
      if (failures >= attempts)
        throw downloadError(url, `${err.message}; gave up after ${attempts} attempts`, err);
      await new Promise((r) => setTimeout(r, baseDelay * 2 ** (failures - 1)));
      offset = now;
      continue;
    }
    if (opts.size === undefined) break;
    if (now > opts.size || now === offset) {
      await rm(part, { force: true });
      throw downloadError(
        url,
        `size mismatch: the listing says ${opts.size} bytes but the server sent ${now}`,
      );
    }
    offset = now;
  }
  const got = await sizeOf(part);
  if (opts.size !== undefined && got !== opts.size) {
    await rm(part, { force: true });
    throw downloadError(url, `size mismatch: expected ${opts.size} bytes, got ${got}`);
  }
  if (opts.sha256) {
    const actual = await digest(part, 'sha256');
    if (actual !== opts.sha256.toLowerCase()) {
      await rm(part, { force: true });
      throw downloadError(url, `sha256 mismatch: expected ${opts.sha256}, got ${actual}`);
    }
  } else if (opts.gitOid && /^[0-9a-f]{40}$/i.test(opts.gitOid)) {
    const actual = await digest(part, 'sha1', `blob ${got}\0`);
    if (actual !== opts.gitOid.toLowerCase()) {
      await rm(part, { force: true });
      throw downloadError(url, `checksum mismatch: expected git blob ${opts.gitOid}, got ${actual}`);
    }
  }
  await rename(part, dest);
}
