import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PreprocessConfig } from '../../../src/core/types.js';
import { TINY_MODEL_DIR } from '../../support/fixtures.js';

/** The CLIP ViT-B/32 recipe from the fixture model's preprocessor_config.json (read here, not hard-coded). */
export function clipPreprocessConfig(): PreprocessConfig {
  const raw = JSON.parse(readFileSync(path.join(TINY_MODEL_DIR, 'preprocessor_config.json'), 'utf8'));
  return {
    shortestEdge: raw.size.shortest_edge,
    crop: { width: raw.crop_size.width, height: raw.crop_size.height },
    rescaleFactor: raw.rescale_factor,
    mean: raw.image_mean,
    std: raw.image_std,
    imageSize: raw.crop_size.height,
  };
}

/** A SigLIP-style recipe: resize to exactly `size`, no crop, mean/std 0.5. */
export function siglipPreprocessConfig(size: number): PreprocessConfig {
  return {
    resizeTo: { width: size, height: size },
    rescaleFactor: 1 / 255,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    imageSize: size,
  };
}
