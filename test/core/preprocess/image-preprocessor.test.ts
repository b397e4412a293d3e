import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImageError, UsageError } from '../../../src/core/errors/index.js';
import { ImagePreprocessor, planResize } from '../../../src/core/preprocess/index.js';
import {
  animatedGif,
  BLUE,
  cmykJpeg,
  exifRotatedJpeg,
  png16,
  pngHeaderOnly,
  RED,
  samplePhoto,
  svgWithExternalReference,
  textNamedJpeg,
  transparentPng,
  truncatedJpeg,
  webp,
} from '../../support/images.js';
import { clipPreprocessConfig, siglipPreprocessConfig } from './clip-config.js';

const SIZE = 32;
const small = () => new ImagePreprocessor(siglipPreprocessConfig(SIZE));
/** Back from mean/std 0.5 normalization to a 0..255 byte value. */
const byte = (v: number) => Math.round((v * 0.5 + 0.5) * 255);
const plane = SIZE * SIZE;
/** Mean byte value of channel `c` over rows [y0, y1). */
function channelMean(t: Float32Array, c: number, y0 = 0, y1 = SIZE): number {
  let s = 0;
  for (let y = y0; y < y1; y++)
    for (let x = 0; x < SIZE; x++) s += byte(t[c * plane + y * SIZE + x] as number);
  return s / ((y1 - y0) * SIZE);
}

async function rejects(data: Buffer, code: string, pre = small()) {
  await assert.rejects(pre.preprocess(data), (err: unknown) => {
    assert.ok(err instanceof ImageError, `expected ImageError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

describe('planResize (Hugging Face geometry)', () => {
  const clip = clipPreprocessConfig();
  it('landscape: shortest edge 224, long edge truncated, centre crop offset (n-224)//2', () => {
    assert.deepEqual(planResize(clip, 500, 375), {
      width: 298, // int(224 * 500 / 375) = int(298.67)
      height: 224,
      crop: { left: 37, top: 0, width: 224, height: 224 },
    });
  });
  it('portrait and square', () => {
    assert.deepEqual(planResize(clip, 333, 500).crop, { left: 0, top: 56, width: 224, height: 224 });
    assert.equal(planResize(clip, 333, 500).height, 336);
    assert.deepEqual(planResize(clip, 224, 224).crop, { left: 0, top: 0, width: 224, height: 224 });
  });
  it('a shortest-edge config without a crop still yields the square model input', () => {
    const cfg = { ...siglipPreprocessConfig(32), resizeTo: undefined, shortestEdge: 32 };
    assert.deepEqual(planResize(cfg, 64, 32), {
      width: 64,
      height: 32,
      crop: { left: 16, top: 0, width: 32, height: 32 },
    });
  });
  it('SigLIP-style configs resize to the exact size without a crop', () => {
    const plan = planResize(siglipPreprocessConfig(384), 500, 200);
    assert.equal(plan.width, 384);
    assert.equal(plan.height, 384);
    assert.deepEqual(plan.crop, { left: 0, top: 0, width: 384, height: 384 });
  });
});

describe('ImagePreprocessor formats', () => {
  it('writes CHW float32 into a batch tensor at an offset, leaving the rest alone', async () => {
    const pre = small();
    const batch = new Float32Array(pre.floatsPerImage * 3).fill(42);
    await pre.preprocessInto(await webp(RED), batch, pre.floatsPerImage);
    assert.equal(batch[0], 42);
    assert.equal(batch[pre.floatsPerImage * 2], 42);
    const img = batch.subarray(pre.floatsPerImage, pre.floatsPerImage * 2);
    assert.equal(channelMean(img, 0), 255);
    assert.equal(channelMean(img, 2), 0);
  });

  it('applies EXIF orientation (red ends up on top)', async () => {
    const t = await small().preprocess(await exifRotatedJpeg());
    assert.ok(channelMean(t, 0, 0, 12) > 200, 'top is red');
    assert.ok(channelMean(t, 2, 0, 12) < 60, 'top is not blue');
    assert.ok(channelMean(t, 2, 20, 32) > 200, 'bottom is blue');
    assert.ok(channelMean(t, 0, 20, 32) < 60, 'bottom is not red');
  });

  it('flattens PNG alpha on white', async () => {
    const t = await small().preprocess(await transparentPng());
    for (const c of [0, 1, 2]) assert.equal(channelMean(t, c), 255);
  });

  it('reads 16-bit PNG as 8-bit', async () => {
    const t = await small().preprocess(await png16(128));
    for (const c of [0, 1, 2]) assert.ok(Math.abs(channelMean(t, c) - 128) <= 1, `channel ${c}`);
  });

  it('converts CMYK JPEG to sRGB', async () => {
    const t = await small().preprocess(await cmykJpeg(RED));
    assert.ok(channelMean(t, 0) > 200, `red ${channelMean(t, 0)}`);
    assert.ok(channelMean(t, 1) < 80, `green ${channelMean(t, 1)}`);
    assert.ok(channelMean(t, 2) < 80, `blue ${channelMean(t, 2)}`);
  });

  it('uses the first frame of an animated GIF', async () => {
    const t = await small().preprocess(await animatedGif([BLUE, RED, RED]));
    assert.ok(channelMean(t, 2) > 200);
    assert.ok(channelMean(t, 0) < 60);
  });

  it('reads WebP', async () => {
    const t = await small().preprocess(await webp(BLUE));
    assert.equal(channelMean(t, 2), 255);
  });

  it('handles an extreme panorama without a giant intermediate image', async () => {
    const sharp = (await import('sharp')).default;
    const pano = await sharp({ create: { width: 20000, height: 4, channels: 3, background: RED } })
      .png()
      .toBuffer();
    const t = await new ImagePreprocessor(clipPreprocessConfig()).preprocess(pano);
    assert.equal(t.length, 3 * 224 * 224);
  });
});

describe('ImagePreprocessor errors', () => {
  it('0-byte input → IMAGE_EMPTY', () => rejects(Buffer.alloc(0), 'IMAGE_EMPTY'));
  it('truncated JPEG → IMAGE_CORRUPT', () => rejects(truncatedJpeg(), 'IMAGE_CORRUPT'));
  it('corrupt JPEG header → IMAGE_CORRUPT', () => rejects(samplePhoto().subarray(0, 200), 'IMAGE_CORRUPT'));
  it('text named .jpg → IMAGE_UNSUPPORTED_FORMAT', () =>
    rejects(textNamedJpeg(), 'IMAGE_UNSUPPORTED_FORMAT'));
  it('SVG (external references) → IMAGE_UNSUPPORTED_FORMAT', () =>
    rejects(svgWithExternalReference(), 'IMAGE_UNSUPPORTED_FORMAT'));
  it('a tiny PNG declaring 20000×20000 → IMAGE_TOO_MANY_PIXELS before decoding', async () => {
    const data = pngHeaderOnly(20_000, 20_000);
    assert.ok(data.length < 1000);
    await rejects(data, 'IMAGE_TOO_MANY_PIXELS');
  });
  it('custom limits: bytes and pixels', async () => {
    const photo = samplePhoto(); // 451×300
    await rejects(
      photo,
      'IMAGE_TOO_LARGE',
      new ImagePreprocessor(siglipPreprocessConfig(SIZE), { limits: { maxBytes: 1000 } }),
    );
    await rejects(
      photo,
      'IMAGE_TOO_MANY_PIXELS',
      new ImagePreprocessor(siglipPreprocessConfig(SIZE), { limits: { maxPixels: 451 * 300 - 1 } }),
    );
  });
  it('bad options are usage errors naming the option', () => {
    assert.throws(
      () => new ImagePreprocessor(siglipPreprocessConfig(SIZE), { resize: 'slow' as 'fast' }),
      UsageError,
    );
    assert.throws(
      () => new ImagePreprocessor(siglipPreprocessConfig(SIZE), { limits: { maxPixels: -1 } }),
      /limits\.maxPixels/,
    );
  });
});
