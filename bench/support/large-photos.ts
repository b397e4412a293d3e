// Phone-sized photos for the decode bench, made at run time (never committed): shared ImageNet photos
// enlarged to 4000×3000 with fine noise on top (sensor grain: detail for shrink-on-load to alias), as
// quality-90 JPEGs. The reference for each is Pillow's own pipeline re-done bit for bit: a full decode,
// then Pillow's bicubic resize in JavaScript (pilBicubicResize), the centre crop and the normalization.
import sharp from 'sharp';
import { type ImagePreprocessor, pilBicubicResize, planResize } from '../../src/core/preprocess/index.js';
import { buildNormalizeTables, writeChw } from '../../src/core/preprocess/normalize.js';
import type { PreprocessConfig } from '../../src/core/types.js';
import type { Photo } from './photos.js';
import { runPool, timeRepeated } from './timing.js';

export const LARGE_WIDTH = 4000;
export const LARGE_HEIGHT = 3000;

export async function makeLargePhotos(photos: Photo[], count: number): Promise<Photo[]> {
  const out: Photo[] = [];
  for (let i = 0; i < count; i++) {
    const src = photos[(i * 7) % photos.length] as Photo;
    const enlarged = await sharp(src.data)
      .resize(LARGE_WIDTH, LARGE_HEIGHT, { fit: 'cover', kernel: 'lanczos3' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const grain = await sharp({
      create: {
        width: LARGE_WIDTH,
        height: LARGE_HEIGHT,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 12 },
      },
    })
      .raw()
      .toBuffer();
    const pixels = enlarged.data;
    for (let j = 0; j < pixels.length; j++) {
      const v = (pixels[j] as number) + (grain[j] as number) - 128;
      pixels[j] = Math.max(0, Math.min(255, v));
    }
    const data = await sharp(pixels, { raw: { width: LARGE_WIDTH, height: LARGE_HEIGHT, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    out.push({ name: `large-${i}-${src.name}`, path: '', data });
  }
  return out;
}

/** Pillow's CLIP/SigLIP preprocessing of one image, bit for bit after the JPEG decode. */
export async function pillowReference(config: PreprocessConfig, data: Buffer): Promise<Float32Array> {
  const { data: rgb, info } = await sharp(data, { ignoreIcc: true })
    .rotate()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plan = planResize(config, info.width, info.height);
  const resized = pilBicubicResize(rgb, info.width, info.height, plan.width, plan.height);
  const { crop } = plan;
  const cropped = new Uint8Array(crop.width * crop.height * 3);
  for (let y = 0; y < crop.height; y++) {
    const from = ((crop.top + y) * plan.width + crop.left) * 3;
    cropped.set(resized.subarray(from, from + crop.width * 3), y * crop.width * 3);
  }
  const out = new Float32Array(3 * crop.width * crop.height);
  writeChw(cropped, crop.width * crop.height, buildNormalizeTables(config), out, 0);
  return out;
}

export interface LargeDecodeRow {
  resize: 'exact' | 'fast';
  concurrency: number;
  imagesPerSecond: number;
  cpuMsPerImage: number;
  /** 1000 / CPU ms per image: what one core decodes per second. */
  imagesPerSecondPerCore: number;
  maeMean: number;
  maeMax: number;
}

/** Decode throughput of one mode over the large photos, and its error against Pillow's pipeline. */
export async function measureLargeDecode(
  pre: ImagePreprocessor,
  photos: Photo[],
  references: Float32Array[],
  concurrency: number,
  passes: number,
): Promise<LargeDecodeRow> {
  const per = pre.floatsPerImage;
  const target = new Float32Array(per * photos.length);
  const pass = () =>
    runPool(photos.length, concurrency, (i) =>
      pre.preprocessInto((photos[i] as Photo).data, target, i * per),
    );
  const t = await timeRepeated(pass, { minIterations: passes, minMs: 0, warmup: 1 });
  const maes = references.map((ref, i) => {
    let sum = 0;
    for (let k = 0; k < per; k++) sum += Math.abs((target[i * per + k] as number) - (ref[k] as number));
    return sum / per;
  });
  const cpuMsPerImage = t.cpuMsPerIteration / photos.length;
  return {
    resize: pre.resize,
    concurrency,
    imagesPerSecond: (photos.length * 1000) / t.medianMs,
    cpuMsPerImage,
    imagesPerSecondPerCore: 1000 / cpuMsPerImage,
    maeMean: maes.reduce((a, b) => a + b, 0) / maes.length,
    maeMax: Math.max(...maes),
  };
}
