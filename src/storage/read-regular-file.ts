import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { mapFsError } from './fs-errors.js';
import { StorageError } from './storage-error.js';

export interface ReadRegularFileOptions {
  maxBytes?: number;
  signal?: AbortSignal;
  /** Refuse a symbolic link as the last path component (the path was already resolved by realpath). */
  noFollow?: boolean;
}

/** Largest single read; /proc-like files are read in pieces of at most this. */
const MAX_READ = 16 * 1024 * 1024;
const MIN_READ = 64 * 1024;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(uri: string, st: Stats): StorageError {
  return new StorageError('STORAGE_NOT_REGULAR_FILE', `get ${uri}: ${kindOf(st)}, not a regular file`, {
    uri,
  });
}

function tooLarge(uri: string, what: string, maxBytes: number): StorageError {
  return new StorageError('STORAGE_TOO_LARGE', `get ${uri}: ${what} exceeds the limit of ${maxBytes} bytes`, {
    uri,
  });
}

const roundUp8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * Reads until EOF, never more than `cap + 1` bytes (rounded up to 8: /proc/self/pagemap only accepts
 * 8-byte multiples), whatever the announced size: /proc-like files announce 0 and can be endless.
 */
async function readBounded(
  fh: FileHandle,
  uri: string,
  sizeHint: number,
  maxBytes: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const cap = maxBytes ?? Number.MAX_SAFE_INTEGER;
  const pieceSize = Math.min(MAX_READ, Math.max(MIN_READ, roundUp8(sizeHint + 1)));
  const pieces: Buffer[] = [];
  let total = 0;
  for (;;) {
    signal?.throwIfAborted();
    const want = Math.min(pieceSize, Math.max(8, roundUp8(cap + 1 - total)));
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await fh.read(buf, 0, want, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    pieces.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
    if (total > cap) throw tooLarge(uri, `more than ${cap} bytes (the file announced ${sizeHint})`, cap);
  }
  return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, total);
}

/**
 * The bytes of a REGULAR file, bounded: stat before open (FIFOs, devices, sockets and directories are
 * refused without being opened), open with O_NONBLOCK (a FIFO swapped in after the stat can never block
 * a libuv thread), fstat again, then a read capped at `maxBytes + 1` whatever size the file claims.
 */
export async function readRegularFile(
  path: string,
  uri: string,
  opts: ReadRegularFileOptions = {},
): Promise<{ body: Buffer; stats: Stats & { mtimeNs?: bigint } }> {
  const { maxBytes, signal } = opts;
  signal?.throwIfAborted();
  let fh: FileHandle | undefined;
  try {
    const before = await stat(path);
    if (!before.isFile()) throw notRegular(uri, before);
    if (maxBytes !== undefined && before.size > maxBytes)
      throw tooLarge(uri, `${before.size} bytes`, maxBytes);
    const flags = constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0);
    fh = await open(path, flags);
    const st = (await fh.stat({ bigint: true })) as unknown as Stats & { mtimeNs?: bigint };
    if (!st.isFile()) throw notRegular(uri, st);
    const body = await readBounded(fh, uri, Number(st.size), maxBytes, signal);
    return { body, stats: st };
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    throw mapFsError(err, 'get', uri);
  } finally {
    await fh?.close();
  }
}
