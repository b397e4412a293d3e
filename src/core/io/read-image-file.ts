import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { ImageError } from '../errors/index.js';

const NOT_REGULAR = 'not a regular file (a directory, named pipe, device or socket)';

/**
 * Reads a local image, checking its size with fstat before reading a byte. Only regular files: the path
 * is stat'ed before it is opened, and opened with O_NONBLOCK, so a named pipe never blocks a libuv thread.
 */
export async function readImageFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    if (!(await stat(path)).isFile()) throw new ImageError('IMAGE_NOT_REGULAR_FILE', NOT_REGULAR);
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw err instanceof ImageError ? err : fileError(err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ImageError('IMAGE_NOT_REGULAR_FILE', NOT_REGULAR);
    if (info.size === 0) throw new ImageError('IMAGE_EMPTY', 'the image file has zero bytes');
    if (info.size > maxBytes) {
      throw new ImageError(
        'IMAGE_TOO_LARGE',
        `the file has ${info.size} bytes, more than the limit of ${maxBytes}`,
      );
    }
    // Read at most the size seen by fstat (+1 to notice a file that grew meanwhile).
    const buf = Buffer.allocUnsafe(info.size + 1);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > info.size) {
      throw new ImageError('IMAGE_FETCH_FAILED', 'the file changed while it was being read', {
        retryable: true,
      });
    }
    if (filled === 0) throw new ImageError('IMAGE_EMPTY', 'the image file has zero bytes');
    return buf.subarray(0, filled);
  } catch (err) {
    throw err instanceof ImageError ? err : fileError(err);
  } finally {
    await handle.close();
  }
}

function fileError(err: unknown): ImageError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ImageError('IMAGE_NOT_FOUND', 'no such file', { cause: err });
  }
  if (code === 'EISDIR') return new ImageError('IMAGE_FETCH_FAILED', 'is a directory, not an image file');
  if (code === 'EACCES' || code === 'EPERM') {
    return new ImageError('IMAGE_FETCH_FAILED', 'permission denied', { cause: err });
  }
  const retryable = code === 'EMFILE' || code === 'ENFILE' || code === 'EAGAIN' || code === 'EIO';
  const msg = err instanceof Error ? err.message : String(err);
  return new ImageError('IMAGE_FETCH_FAILED', `could not read the file: ${msg}`, { cause: err, retryable });
}
