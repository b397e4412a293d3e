import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { PreprocessConfig } from '../../../src/core/types.js';
import { GOLDEN_DIR, photoPath } from '../../support/fixtures.js';
import { clipPreprocessConfig, siglipPreprocessConfig } from './clip-config.js';

/** The two processors the fixture goldens were written with (scripts/make-test-fixtures.py). */
export type GoldenKind = 'clip' | 'siglip';

interface GoldenOutput {
  /** 224×224 8-bit RGB PNG: the processor's image after its PIL resize (+ crop), before rescale/normalize. */
  png: string;
  upscaled: boolean;
  mean: number;
  std: number;
}

export interface GoldenPhoto {
  image: string;
  width: number;
  height: number;
  mode: string;
  icc_profile: boolean;
  icc_description: string | null;
  clip: GoldenOutput;
  siglip: GoldenOutput;
}

interface GoldenIndex {
  transformers: string;
  pillow: string;
  clip: { image_mean: number[]; image_std: number[] };
  siglip: { image_mean: number[]; image_std: number[] };
  images: GoldenPhoto[];
}

export const goldenIndex = JSON.parse(
  readFileSync(path.join(GOLDEN_DIR, 'index.json'), 'utf8'),
) as GoldenIndex;

/** Our preprocessing recipe for each golden kind. */
export const goldenConfig: Record<GoldenKind, () => PreprocessConfig> = {
  clip: clipPreprocessConfig,
  siglip: () => siglipPreprocessConfig(224),
};

/** transformers' pixel_values (float32 CHW) for a photo: (png / 255 - mean) / std, as the processor computes. */
export async function goldenPixelValues(photo: GoldenPhoto, kind: GoldenKind): Promise<Float32Array> {
  const { data, info } = await sharp(path.join(GOLDEN_DIR, photo[kind].png))
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${photo[kind].png}: ${info.channels} channels, expected RGB`);
  const { image_mean: mean, image_std: std } = goldenIndex[kind];
  const plane = info.width * info.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++)
      out[c * plane + i] = ((data[i * 3 + c] as number) / 255 - (mean[c] as number)) / (std[c] as number);
  return out;
}

export const goldenPhotoBytes = (photo: GoldenPhoto) => readFileSync(photoPath(photo.image));

export function meanAbsError(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}
