import { ImageError } from '../errors/index.js';

/** First line of a libvips message: the rest repeats the same complaint. */
function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').trim() || 'unknown decoder error';
}

/** Maps a sharp/libvips failure to the image error code that tells the user what is wrong with the file. */
export function decodeError(err: unknown, stage: 'header' | 'pixels'): ImageError {
  if (err instanceof ImageError) return err;
  const line = firstLine(err);
  if (/unsupported image format/i.test(line)) {
    return new ImageError('IMAGE_UNSUPPORTED_FORMAT', 'the data is not a supported image format', {
      cause: err,
    });
  }
  if (/exceeds pixel limit/i.test(line)) {
    return new ImageError('IMAGE_TOO_MANY_PIXELS', 'the image dimensions exceed the pixel limit', {
      cause: err,
    });
  }
  if (/buffer is empty/i.test(line)) {
    return new ImageError('IMAGE_EMPTY', 'the image has zero bytes', { cause: err });
  }
  if (/timeout/i.test(line)) {
    return new ImageError('IMAGE_CORRUPT', 'decoding the image took too long; it is probably malformed', {
      cause: err,
    });
  }
  const where = stage === 'header' ? 'its header' : 'its pixel data';
  return new ImageError('IMAGE_CORRUPT', `the image is corrupt or truncated (${where}): ${line}`, {
    cause: err,
  });
}
