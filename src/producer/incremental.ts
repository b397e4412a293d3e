import type { Redis } from 'ioredis';
import type { ChunkImage } from '../jobs/index.js';
import type { Storage } from '../storage/types.js';
import { batched } from './chunker.js';

/**
 * Incremental schedules: `keys().scheduleEtags(name)` maps image URI → the ETag it had when the schedule
 * last ENQUEUED it. A firing enqueues only images whose ETag differs (new or changed objects) and records
 * their ETags as they are enqueued. Consequences: an image is not re-labeled while unchanged even if its
 * previous run failed on it (use `zeroshot retry`); deleted objects simply stop appearing; removing the
 * schedule deletes the map, so re-adding it starts from scratch.
 */
export async function* changedImages(
  redis: Redis,
  etagsKey: string,
  storage: Storage,
  images: AsyncIterable<ChunkImage>,
  onUnchanged: () => void,
): AsyncGenerator<ChunkImage> {
  for await (const batch of batched(images, 500)) {
    // Single images and manifest lines carry no ETag: ask storage (a missing object still goes through
    // and becomes an error line in the worker).
    const withEtags = await Promise.all(
      batch.map(async (img) => {
        if (img.etag) return img;
        const info = await storage.head(img.uri).catch(() => undefined);
        return info?.etag ? { ...img, etag: info.etag } : img;
      }),
    );
    const previous = await redis.hmget(etagsKey, ...withEtags.map((i) => i.uri));
    for (const [i, img] of withEtags.entries()) {
      if (img.etag && previous[i] === img.etag) onUnchanged();
      else yield img;
    }
  }
}

/** Records the ETags of images just enqueued by an incremental schedule. */
export async function recordEtags(redis: Redis, etagsKey: string, images: ChunkImage[]): Promise<void> {
  const pairs: string[] = [];
  for (const img of images) if (img.etag) pairs.push(img.uri, img.etag);
  if (pairs.length > 0) await redis.hset(etagsKey, ...pairs);
}
