import { createHash, randomBytes } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { StorageError, type StorageErrorCode } from './storage-error.js';
import type { GetOptions, ListOptions, ObjectInfo, PutOptions } from './types.js';
import { parseUri } from './uri.js';

/** Temp files of in-progress atomic puts; hidden from listings. */
const TEMP_PREFIX = '.zeroshot-tmp-';
/** Files stat'ed concurrently while listing. */
const STAT_BATCH = 64;

/**
 * ETag of a file: first 32 hex chars of sha256("<size>:<mtime in ns>"). It changes whenever the content is
 * rewritten (an atomic put creates a new file with a new mtime), is stable otherwise, and costs one stat,
 * not a read. Copying a dataset elsewhere changes it (new mtimes), like re-uploading to S3 changes nothing
 * only if the content is the same.
 */
export function fileEtag(st: { size: number | bigint; mtimeNs?: bigint; mtimeMs: number | bigint }): string {
  const ns = st.mtimeNs ?? BigInt(Math.round(Number(st.mtimeMs) * 1e6));
  return createHash('sha256').update(`${st.size}:${ns}`).digest('hex').slice(0, 32);
}

function fsCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

const TRANSIENT_FS = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ETIMEDOUT']);

function mapFsError(err: unknown, op: string, uri: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = fsCode(err);
  let mapped: StorageErrorCode = 'STORAGE_FAILED';
  if (code === 'ENOENT' || code === 'ENOTDIR') mapped = 'STORAGE_NOT_FOUND';
  else if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') mapped = 'STORAGE_ACCESS_DENIED';
  else if (code && TRANSIENT_FS.has(code)) mapped = 'STORAGE_TRANSIENT';
  const what = mapped === 'STORAGE_NOT_FOUND' ? 'not found' : `failed (${code ?? (err as Error)?.message})`;
  return new StorageError(mapped, `${op} ${uri}: ${what}`, { cause: err, uri });
}

/** Key order as S3 sorts keys: by UTF-8 bytes. Directories sort as "name/" so the walk is in key order. */
function byKey(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function toInfo(uri: string, st: Stats & { mtimeNs?: bigint }): ObjectInfo {
  return { uri, size: Number(st.size), etag: fileEtag(st), lastModified: st.mtime };
}

function filePath(uri: string): string {
  const parsed = parseUri(uri);
  if (parsed.scheme !== 'file')
    throw new StorageError('STORAGE_INVALID_URI', `not a file:// URI: ${uri}`, { uri });
  return parsed.path;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename durable; not supported everywhere (ignored then).
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
  } finally {
    await fh.close();
  }
}

/** `file:///abs/dir/...` backend. Every operation is a plain fs call; puts are atomic via rename. */
export class FileBackend {
  async *list(prefixUri: string, opts: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const p = filePath(prefixUri);
    const isDirPrefix = p.endsWith('/');
    const root = isDirPrefix ? p : `${path.dirname(p)}/`;
    const namePrefix = isDirPrefix ? '' : path.basename(p);
    const after = opts.startAfter === undefined ? undefined : filePath(opts.startAfter);
    try {
      const st = await stat(root);
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (err) {
      throw mapFsError(err, 'list', prefixUri);
    }
    yield* this.walk(root, namePrefix, after, opts.signal);
  }

  private async *walk(
    dir: string,
    namePrefix: string,
    after: string | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ObjectInfo> {
    checkAborted(signal);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      // A directory removed while walking is just empty now.
      if (fsCode(err) === 'ENOENT') return;
      throw mapFsError(err, 'list', `file://${dir}`);
    }
    const items = entries
      .filter((e) => e.name.startsWith(namePrefix) && !e.name.startsWith(TEMP_PREFIX))
      .map((e) => ({ entry: e, sortKey: Buffer.from(e.isDirectory() ? `${e.name}/` : e.name) }))
      .sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
    // Consecutive files are stat'ed in parallel batches, then yielded in order.
    let batch: string[] = [];
    for (const { entry } of items) {
      const full = `${dir}${entry.name}`;
      if (entry.isDirectory()) {
        yield* this.statBatch(batch);
        batch = [];
        // Skip whole subtrees that sort before `after` and do not contain it.
        if (after !== undefined && byKey(`${full}/`, after) < 0 && !after.startsWith(`${full}/`)) continue;
        yield* this.walk(`${full}/`, '', after, signal);
        continue;
      }
      // Symlinks to files are followed; symlinked directories are skipped (no cycles).
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      if (after !== undefined && byKey(full, after) <= 0) continue;
      batch.push(full);
      if (batch.length === STAT_BATCH) {
        checkAborted(signal);
        yield* this.statBatch(batch);
        batch = [];
      }
    }
    yield* this.statBatch(batch);
  }

  private async *statBatch(paths: string[]): AsyncGenerator<ObjectInfo> {
    if (paths.length === 0) return;
    const stats = await Promise.all(
      paths.map(async (full) => {
        try {
          return (await stat(full, { bigint: true })) as unknown as Stats & { mtimeNs?: bigint };
        } catch (err) {
          if (fsCode(err) === 'ENOENT') return undefined; // deleted while listing
          throw mapFsError(err, 'list', `file://${full}`);
        }
      }),
    );
    for (const [i, st] of stats.entries()) {
      if (st?.isFile()) yield toInfo(`file://${paths[i]}`, st);
    }
  }

  async get(uri: string, opts: GetOptions = {}): Promise<{ body: Buffer; etag?: string }> {
    const p = filePath(uri);
    if (p.endsWith('/'))
      throw new StorageError('STORAGE_INVALID_URI', `get ${uri}: a prefix is not an object`, { uri });
    checkAborted(opts.signal);
    let fh: Awaited<ReturnType<typeof open>> | undefined;
    try {
      fh = await open(p, 'r');
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOENT' });
      const size = Number(st.size);
      if (opts.maxBytes !== undefined && size > opts.maxBytes) {
        throw new StorageError(
          'STORAGE_TOO_LARGE',
          `get ${uri}: ${size} bytes exceeds the limit of ${opts.maxBytes}`,
          {
            uri,
          },
        );
      }
      const body = await fh.readFile({ signal: opts.signal });
      if (opts.maxBytes !== undefined && body.length > opts.maxBytes) {
        throw new StorageError('STORAGE_TOO_LARGE', `get ${uri}: more than ${opts.maxBytes} bytes`, { uri });
      }
      return { body, etag: fileEtag(st) };
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      throw mapFsError(err, 'get', uri);
    } finally {
      await fh?.close();
    }
  }

  async head(uri: string): Promise<ObjectInfo | undefined> {
    const p = filePath(uri);
    if (p.endsWith('/')) return undefined;
    try {
      const st = (await stat(p, { bigint: true })) as unknown as Stats & { mtimeNs?: bigint };
      return st.isFile() ? toInfo(uri, st) : undefined;
    } catch (err) {
      const code = fsCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw mapFsError(err, 'head', uri);
    }
  }

  /** Write to a temp file in the same directory, fsync, rename over the target, fsync the directory. */
  async put(uri: string, body: Buffer | string, _opts: PutOptions = {}): Promise<{ etag?: string }> {
    const p = filePath(uri);
    if (p.endsWith('/'))
      throw new StorageError('STORAGE_INVALID_URI', `put ${uri}: a prefix is not an object`, { uri });
    const dir = path.dirname(p);
    const tmp = path.join(
      dir,
      `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${path.basename(p)}`.slice(0, 255),
    );
    try {
      await mkdir(dir, { recursive: true });
      const fh = await open(tmp, 'wx', 0o644);
      let st: Stats & { mtimeNs?: bigint };
      try {
        await fh.writeFile(body);
        await fh.sync();
        st = (await fh.stat({ bigint: true })) as unknown as Stats & { mtimeNs?: bigint };
      } finally {
        await fh.close();
      }
      await rename(tmp, p);
      await fsyncDir(dir);
      return { etag: fileEtag(st) };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw mapFsError(err, 'put', uri);
    }
  }

  async delete(uri: string): Promise<void> {
    const p = filePath(uri);
    if (p.endsWith('/'))
      throw new StorageError('STORAGE_INVALID_URI', `delete ${uri}: a prefix is not an object`, { uri });
    try {
      await unlink(p);
    } catch (err) {
      if (fsCode(err) === 'ENOENT') return;
      throw mapFsError(err, 'delete', uri);
    }
  }

  close(): void {}
}
