import { StorageError, type StorageErrorCode } from './storage-error.js';

/** The errno name of a file-system error (ENOENT, ENOTDIR...), when it has one. */
export function fsCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

const TRANSIENT_FS = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ETIMEDOUT']);

/** What each errno means, in the words of strerror, with the hint a user needs. */
const MEANING: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory (a parent of this path is a regular file)',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  ELOOP: 'too many levels of symbolic links (or a symbolic link where none is allowed)',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
};

/**
 * A file-system error as a StorageError whose message names the real cause (`ENOTDIR: not a directory`,
 * never a vague "not found") and whose `osCode` keeps the errno for callers deciding whether to retry.
 * ENOTDIR reads as "not found" for reads (the object cannot exist there) but not for writes.
 */
export function mapFsError(err: unknown, op: string, uri: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = fsCode(err);
  let mapped: StorageErrorCode = 'STORAGE_FAILED';
  if (code === 'ENOENT' || (code === 'ENOTDIR' && op !== 'put')) mapped = 'STORAGE_NOT_FOUND';
  else if (code === 'EACCES' || code === 'EPERM') mapped = 'STORAGE_ACCESS_DENIED';
  else if (code && TRANSIENT_FS.has(code)) mapped = 'STORAGE_TRANSIENT';
  const detail = code
    ? `${code}: ${MEANING[code] ?? (err as Error).message}`
    : String((err as Error)?.message ?? err);
  return new StorageError(mapped, `${op} ${uri}: ${detail}`, {
    cause: err,
    uri,
    ...(code ? { osCode: code } : {}),
  });
}
