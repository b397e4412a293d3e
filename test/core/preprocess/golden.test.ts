import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImagePreprocessor } from '../../../src/core/preprocess/index.js';
import {
  type GoldenKind,
  type GoldenPhoto,
  goldenConfig,
  goldenIndex,
  goldenPhotoBytes,
  goldenPixelValues,
  meanAbsError,
} from './golden.js';

/** Mean abs error of our pixel values against transformers' for every fixture photo. */
async function errors(kind: GoldenKind, resize: 'exact' | 'fast'): Promise<Map<GoldenPhoto, number>> {
  const pre = new ImagePreprocessor(goldenConfig[kind](), { resize });
  const per = new Map<GoldenPhoto, number>();
  for (const photo of goldenIndex.images) {
    const golden = await goldenPixelValues(photo, kind);
    const ours = await pre.preprocess(goldenPhotoBytes(photo));
    assert.equal(ours.length, golden.length, photo.image);
    per.set(photo, meanAbsError(ours, golden));
  }
  return per;
}

/** The fidelity target: every photo, every recipe (ICC profiles ignored as PIL does; PIL's upscaling). */
const TOLERANCE = 0.005;

const show = (per: Map<GoldenPhoto, number>) =>
  [...per].map(([p, mae]) => `${p.image} ${mae.toFixed(4)}`).join(', ');

describe('preprocessing matches the Hugging Face processors on the fixture photos', () => {
  it('the fixtures cover the photo classes that matter', () => {
    const photos = goldenIndex.images;
    assert.ok(photos.length >= 10);
    assert.ok(
      photos.some((p) => p.clip.upscaled),
      'a photo with a short edge under 224',
    );
    assert.ok(
      photos.some((p) => p.icc_profile && !p.icc_description?.startsWith('sRGB')),
      'a non-sRGB profile',
    );
    assert.ok(
      photos.some((p) => p.mode === 'L'),
      'a grayscale photo',
    );
    assert.ok(
      photos.some((p) => p.mode === 'RGBA'),
      'a photo with alpha',
    );
    assert.ok(photos.some((p) => p.image.endsWith('.png')) && photos.some((p) => p.image.endsWith('.jpg')));
  });

  for (const kind of ['clip', 'siglip'] as const) {
    it(`${kind}, exact mode: mean abs error ≤ ${TOLERANCE} on every photo (ICC profiles, upscaling, grey, alpha)`, async (t) => {
      const per = await errors(kind, 'exact');
      t.diagnostic(`${kind} exact: ${show(per)}`);
      for (const [photo, mae] of per)
        assert.ok(mae <= TOLERANCE, `${photo.image}: MAE ${mae} > ${TOLERANCE}`);
    });
  }

  it('clip, fast mode (shrink-on-load) stays within its documented error on ordinary photos', async (t) => {
    const per = await errors('clip', 'fast');
    t.diagnostic(`clip fast: ${show(per)}`);
    // Upscaled photos take the Pillow path in both modes; shrink-on-load changes only the downscaled ones.
    const ordinary = [...per].filter(([p]) => !p.clip.upscaled).map(([, mae]) => mae);
    const mean = ordinary.reduce((a, b) => a + b, 0) / ordinary.length;
    assert.ok(mean <= 0.006, `fast mean MAE ${mean}`);
    assert.ok(Math.max(...ordinary) <= 0.03, `fast max MAE ${Math.max(...ordinary)}`);
  });
});
