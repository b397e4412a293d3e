import { open } from 'node:fs/promises';
import { ImageError } from '../errors/index.js';

/** Reads a local image, checking its size with fstat before reading a byte. */
export async function readImageFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fileError(err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ImageError('IMAGE_FETCH_FAILED', 'not a regular file');
    if (stat.size === 0) throw new ImageError('IMAGE_EMPTY', 'the image file has zero bytes');
    if (stat.size > maxBytes) {
      throw new ImageError(
        'IMAGE_TOO_LARGE',
        `the file has ${stat.size} bytes, more than the limit of ${maxBytes}`,
      );
    }
    // Read at most the size seen by fstat (+1 to notice a file that grew meanwhile).
    const buf = Buffer.allocUnsafe(stat.size + 1);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > stat.size) {
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
