// The machine's own limits, measured with the engine's parts in isolation:
// decode (preprocess alone), vision inference alone, and the combined CPU bound 1/(t_decode + t_infer).
import type { ImagePreprocessorLike, TextEncoderLike, VisionEncoderLike } from './engine-api.js';
import type { Photo } from './photos.js';
import { runPool, timeRepeated } from './timing.js';

export interface DecodeResult {
  concurrency: number;
  images: number;
  imagesPerSecond: number;
}

/** Preprocesses every photo `passes` times with `concurrency` in flight, each lane into its own slot. */
export async function measureDecode(
  pre: ImagePreprocessorLike,
  photos: Photo[],
  opts: { concurrency: number; passes: number; imageSize: number },
): Promise<DecodeResult> {
  const per = 3 * opts.imageSize * opts.imageSize;
  const target = new Float32Array(per * opts.concurrency);
  const total = photos.length * opts.passes;
  const lanes = new Array<number>(opts.concurrency).fill(0).map((_, i) => i);
  const free = [...lanes];
  // one warm-up pass over the photos (sharp's first calls load codecs)
  for (const p of photos.slice(0, Math.min(8, photos.length))) await pre.preprocessInto(p.data, target, 0);
  const start = performance.now();
  await runPool(total, opts.concurrency, async (i) => {
    const lane = free.pop()!;
    try {
      await pre.preprocessInto(photos[i % photos.length]!.data, target, lane * per);
    } finally {
      free.push(lane);
    }
  });
  const ms = performance.now() - start;
  return { concurrency: opts.concurrency, images: total, imagesPerSecond: (total * 1000) / ms };
}

/** A batch tensor filled with real preprocessed photos (repeated when the batch is larger). */
export async function preparedBatch(
  pre: ImagePreprocessorLike,
  photos: Photo[],
  batch: number,
  imageSize: number,
): Promise<Float32Array> {
  const per = 3 * imageSize * imageSize;
  const pixels = new Float32Array(per * batch);
  const distinct = Math.min(batch, photos.length);
  for (let i = 0; i < distinct; i++) await pre.preprocessInto(photos[i]!.data, pixels, i * per);
  for (let i = distinct; i < batch; i++)
    pixels.copyWithin(i * per, (i % distinct) * per, (i % distinct) * per + per);
  return pixels;
}

export interface VisionResult {
  batchSize: number;
  iterations: number;
  msPerBatch: number;
  imagesPerSecond: number;
}

export async function measureVision(
  vision: VisionEncoderLike,
  pixels: Float32Array,
  batch: number,
  opts: { minMs: number; minIterations: number },
): Promise<VisionResult> {
  const t = await timeRepeated(() => vision.embed(pixels, batch), { ...opts, warmup: 1 });
  return {
    batchSize: batch,
    iterations: t.iterations,
    msPerBatch: t.msPerIteration,
    imagesPerSecond: (batch * 1000) / t.msPerIteration,
  };
}

export interface TextResult {
  textsPerCall: number;
  iterations: number;
  encodingsPerSecond: number;
}

export async function measureText(
  text: TextEncoderLike,
  texts: string[],
  opts: { minMs: number; minIterations: number },
): Promise<TextResult> {
  const t = await timeRepeated(() => text.embed(texts), { ...opts, warmup: 1 });
  return {
    textsPerCall: texts.length,
    iterations: t.iterations,
    encodingsPerSecond: (texts.length * 1000) / t.msPerIteration,
  };
}

export interface CpuBound {
  decodeImagesPerSecond: number;
  visionImagesPerSecond: number;
  bestBatchSize: number;
  /** 1 / (t_decode + t_infer): images/s if every image is decoded and inferred on the whole machine. */
  imagesPerSecond: number;
}

export function cpuBound(decode: DecodeResult[], vision: VisionResult[]): CpuBound {
  const bestDecode = Math.max(...decode.map((d) => d.imagesPerSecond));
  const bestVision = vision.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  return {
    decodeImagesPerSecond: bestDecode,
    visionImagesPerSecond: bestVision.imagesPerSecond,
    bestBatchSize: bestVision.batchSize,
    imagesPerSecond: 1 / (1 / bestDecode + 1 / bestVision.imagesPerSecond),
  };
}
