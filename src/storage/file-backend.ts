import { createHash, randomBytes } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FileRoots } from './file-roots.js';
import { fsCode, mapFsError } from './fs-errors.js';
import { type PutBody, writeBody } from './put-body.js';
import { readRegularFile } from './read-regular-file.js';
import { StorageError } from './storage-error.js';
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
  private readonly roots: FileRoots;

  /** `roots`: when non-empty, reads (list, get, head) are confined to these directories. */
  constructor(opts: { roots?: readonly string[] } = {}) {
    this.roots = new FileRoots(opts.roots);
  }

  async *list(prefixUri: string, opts: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const p = filePath(prefixUri);
    await this.roots.resolve(p.endsWith('/') ? p : path.dirname(p), 'list', prefixUri);
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

  /** Regular files only, read with a bound (see readRegularFile); confined to the roots when configured. */
  async get(uri: string, opts: GetOptions = {}): Promise<{ body: Buffer; etag?: string }> {
    const p = filePath(uri);
    if (p.endsWith('/'))
      throw new StorageError('STORAGE_INVALID_URI', `get ${uri}: a prefix is not an object`, { uri });
    checkAborted(opts.signal);
    const real = await this.roots.resolve(p, 'get', uri);
    const { body, stats } = await readRegularFile(real, uri, {
      ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      noFollow: this.roots.enabled,
    });
    return { body, etag: fileEtag(stats) };
  }

  async head(uri: string): Promise<ObjectInfo | undefined> {
    const p = filePath(uri);
    if (p.endsWith('/')) return undefined;
    try {
      await this.roots.resolve(p, 'head', uri);
      const st = (await stat(p, { bigint: true })) as unknown as Stats & { mtimeNs?: bigint };
      return st.isFile() ? toInfo(uri, st) : undefined;
    } catch (err) {
      const code = fsCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return undefined;
      throw mapFsError(err, 'head', uri);
    }
  }

  /** Write to a temp file in the same directory, fsync, rename over the target, fsync the directory. */
  async put(uri: string, body: PutBody, _opts: PutOptions = {}): Promise<{ etag?: string }> {
    const p = filePath(uri);
    if (p.endsWith('/'))
      throw new StorageError('STORAGE_INVALID_URI', `put ${uri}: a prefix is not an object`, { uri });
    const dir = path.dirname(p);
    const tmp = path.join(
      dir,
      `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${path.basename(p)}`.slice(0, 255),
    );
    try {
      await mkdir(dir, { recursive: true }).catch((err) => {
        // mkdir -p over a regular file answers EEXIST; the real problem is that it is not a directory.
        throw fsCode(err) === 'EEXIST'
          ? Object.assign(new Error(`${dir} is a file`), { code: 'ENOTDIR' })
          : err;
      });
      const fh = await open(tmp, 'wx', 0o644);
      let st: Stats & { mtimeNs?: bigint };
      try {
        await writeBody(fh, body);
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
