import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ImageError, UsageError } from '../../../src/core/errors/index.js';
import { DecodeBudget, decodeCost, ImagePreprocessor } from '../../../src/core/preprocess/index.js';
import { siglipPreprocessConfig } from './clip-config.js';

const noisePng = (width: number, height: number, seed: number) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: seed, g: 90, b: 200 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();

describe('decode memory budget', () => {
  it('costs width × height × channels × bytes per sample', () => {
    assert.equal(decodeCost(10_000, 10_000, 3, 'ushort'), 600_000_000);
    assert.equal(decodeCost(4000, 3000, 3, 'uchar'), 36_000_000);
    assert.equal(decodeCost(10, 10, 4, 'float'), 1600);
  });

  it('serves waiters in order and never lends more than its capacity', async () => {
    const budget = new DecodeBudget(100);
    const order: string[] = [];
    let release!: () => void;
    const first = budget.use(60, () => new Promise<void>((r) => (release = r)).then(() => order.push('a')));
    const second = budget.use(60, async () => order.push('b'));
    const third = budget.use(10, async () => order.push('c')); // fits now, but waits behind the larger one
    await new Promise((r) => setImmediate(r));
    assert.equal(budget.inUse, 60);
    assert.equal(budget.waiting, 2);
    release();
    await Promise.all([first, second, third]);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.ok(budget.peak <= 100, `peak ${budget.peak}`);
    assert.equal(budget.inUse, 0);
  });

  it('rejects an invalid budget naming the option', () => {
    assert.throws(
      () => new DecodeBudget(0),
      (e: unknown) => e instanceof UsageError && /decodeMemoryBytes/.test(e.message),
    );
  });

  it('concurrent decodes wait for room: the peak reserved stays under the budget', async () => {
    const images = await Promise.all(Array.from({ length: 8 }, (_, i) => noisePng(600, 400, i * 20)));
    const one = decodeCost(600, 400, 3, 'uchar');
    const budget = new DecodeBudget(Math.floor(2.5 * one)); // room for two decodes at once
    const pre = new ImagePreprocessor(siglipPreprocessConfig(32), { decodeMemory: budget });
    let sawWaiting = 0;
    let done = false;
    const sample = () => {
      sawWaiting = Math.max(sawWaiting, budget.waiting);
      if (!done) setImmediate(sample);
    };
    sample();
    const results = await Promise.all(images.map((img) => pre.preprocess(img)));
    done = true;
    assert.equal(results.length, 8);
    assert.equal(budget.peak, 2 * one, `peak ${budget.peak} bytes, one decode ${one}`);
    assert.ok(sawWaiting > 0, 'some decodes had to wait for the budget');
    assert.equal(budget.inUse, 0);
  });

  it('an image larger than the whole budget is an ImageError, and the next image still decodes', async () => {
    const pre = new ImagePreprocessor(siglipPreprocessConfig(32), { decodeMemory: decodeCost(100, 100) });
    await assert.rejects(pre.preprocess(await noisePng(200, 200, 1)), (err: unknown) => {
      assert.ok(err instanceof ImageError);
      assert.equal(err.code, 'IMAGE_TOO_MANY_PIXELS');
      assert.match(err.message, /decode memory budget/);
      return true;
    });
    assert.equal((await pre.preprocess(await noisePng(100, 100, 2))).length, 3 * 32 * 32);
  });
});

describe('embedded ICC profiles', () => {
  const colour = { r: 200, g: 40, b: 60 };
  /** A PNG whose pixels are stored in Display P3 with the P3 profile attached. */
  const p3Png = () =>
    sharp({ create: { width: 32, height: 32, channels: 3, background: colour } })
      .withIccProfile('p3')
      .png()
      .toBuffer();
  const firstPixel = (t: Float32Array) =>
    [0, 1, 2].map((c) => Math.round(((t[c * 32 * 32] as number) * 0.5 + 0.5) * 255));

  it('are ignored by default (as Pillow), converted to sRGB with iccProfiles: convert', async () => {
    const img = await p3Png();
    const byDefault = firstPixel(await new ImagePreprocessor(siglipPreprocessConfig(32)).preprocess(img));
    const ignored = firstPixel(
      await new ImagePreprocessor(siglipPreprocessConfig(32), { iccProfiles: 'ignore' }).preprocess(img),
    );
    const converted = firstPixel(
      await new ImagePreprocessor(siglipPreprocessConfig(32), { iccProfiles: 'convert' }).preprocess(img),
    );
    assert.deepEqual(byDefault, ignored);
    const [r, g, b] = converted as [number, number, number];
    assert.ok(
      Math.abs(r - colour.r) <= 2 && Math.abs(g - colour.g) <= 2 && Math.abs(b - colour.b) <= 2,
      `converted ${converted}`,
    );
    assert.ok(
      Math.abs((ignored[0] as number) - colour.r) > 5 || Math.abs((ignored[1] as number) - colour.g) > 5,
      `ignored ${ignored}`,
    );
  });

  it('rejects an unknown mode naming the option', () => {
    assert.throws(
      () => new ImagePreprocessor(siglipPreprocessConfig(32), { iccProfiles: 'srgb' as never }),
      (e: unknown) => e instanceof UsageError && /iccProfiles must be 'ignore' or 'convert'/.test(e.message),
    );
  });
});
