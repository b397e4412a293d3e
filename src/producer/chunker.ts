import { type ChunkImage, LIMITS } from '../jobs/index.js';

/** Bytes of a chunk payload besides its images (`v`, `runId`, `index`, JSON punctuation). */
const ENVELOPE_BYTES = 512;

/**
 * Groups a stream of images into chunks of at most `size` images whose serialized payload stays under
 * `maxBytes` (a chunk closes early when the next image would not fit). Deterministic for a given stream.
 */
export async function* chunked(
  images: AsyncIterable<ChunkImage>,
  size: number,
  maxBytes: number = LIMITS.maxPayloadBytes,
): AsyncGenerator<ChunkImage[]> {
  let chunk: ChunkImage[] = [];
  let bytes = ENVELOPE_BYTES;
  for await (const image of images) {
    const b = Buffer.byteLength(JSON.stringify(image)) + 1;
    if (chunk.length > 0 && (chunk.length >= size || bytes + b > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = ENVELOPE_BYTES;
    }
    chunk.push(image);
    bytes += b;
  }
  if (chunk.length > 0) yield chunk;
}

/** Groups any stream into arrays of `n` (the last one shorter). */
export async function* batched<T>(items: AsyncIterable<T>, n: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= n) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
