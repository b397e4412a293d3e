import sharp from 'sharp';
import { forEachConcurrent } from '../core/pipeline/map-concurrent.js';
import { DEFAULT_IMAGE_LIMITS } from '../core/preprocess/image-limits.js';
import type { Storage } from '../storage/types.js';

export interface ThumbnailOptions {
  /** Square edge in pixels. Default 96. */
  size?: number;
  /** JPEG quality. Default 60. */
  quality?: number;
  /** Images fetched and resized at once. Default 4. */
  concurrency?: number;
  /** Largest source image read (bytes). Default 64 MiB. */
  maxBytes?: number;
}

/** A data: URI, or the reason there is none (the grid shows the reason instead of a picture). */
export type Thumbnail = { dataUri: string } | { error: string };

/**
 * Small JPEG thumbnails of `s3://` and `file://` images (center-cropped squares) as data: URIs, so the report is one file that needs no
 * network and no access to the bucket. A source that cannot be read or decoded yields `{ error }`.
 */
export async function makeThumbnails(
  storage: Storage,
  uris: Iterable<string>,
  opts: ThumbnailOptions = {},
): Promise<Map<string, Thumbnail>> {
  const size = opts.size ?? 96;
  const quality = opts.quality ?? 60;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const out = new Map<string, Thumbnail>();
  await forEachConcurrent([...new Set(uris)], opts.concurrency ?? 4, async (uri) => {
    try {
      // http(s) sources are opt-in per host for workers (SSRF); the report does not fetch them at all.
      if (!/^(s3|file):\/\//.test(uri)) throw new Error('not fetched (http source)');
      const { body } = await storage.get(uri, { maxBytes });
      const jpeg = await sharp(body, { limitInputPixels: DEFAULT_IMAGE_LIMITS.maxPixels, failOn: 'none' })
        .rotate()
        .resize(size, size, { fit: 'cover' })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality, mozjpeg: true })
        .toBuffer();
      out.set(uri, { dataUri: `data:image/jpeg;base64,${jpeg.toString('base64')}` });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      out.set(uri, { error: e.code ?? e.message?.split('\n')[0] ?? 'unreadable' });
    }
  });
  return out;
}
