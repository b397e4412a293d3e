import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ImagePreprocessor } from '../../../src/core/preprocess/index.js';
import { GOLDEN_DIR, SAMPLE_IMAGES_DIR } from '../../support/shared.js';
import { clipPreprocessConfig } from './clip-config.js';

interface GoldenIndex {
  images: { image: string; pixel_values: string; shape: number[] }[];
}

const goldenDir = path.join(GOLDEN_DIR, 'preprocess');
const index = JSON.parse(readFileSync(path.join(goldenDir, 'index.json'), 'utf8')) as GoldenIndex;

function meanAbsError(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

async function maxError(resize: 'exact' | 'fast'): Promise<{ max: number; per: Map<string, number> }> {
  const pre = new ImagePreprocessor(clipPreprocessConfig(), { resize });
  const per = new Map<string, number>();
  for (const entry of index.images) {
    const buf = readFileSync(path.join(goldenDir, entry.pixel_values));
    const golden = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
    const ours = await pre.preprocess(readFileSync(path.join(SAMPLE_IMAGES_DIR, entry.image)));
    assert.equal(ours.length, golden.length, entry.image);
    per.set(entry.image, meanAbsError(ours, golden));
  }
  return { max: Math.max(...per.values()), per };
}

describe('preprocessing matches the Hugging Face/PIL golden tensors', () => {
  it('exact mode: mean abs error ≤ 0.005 on every golden image', async (t) => {
    assert.equal(index.images.length, 13);
    const { max, per } = await maxError('exact');
    t.diagnostic(`exact mode: max MAE over ${per.size} images = ${max.toFixed(5)}`);
    for (const [image, mae] of per) assert.ok(mae <= 0.005, `${image}: MAE ${mae} > 0.005`);
  });

  it('fast mode (shrink-on-load) stays within its documented error', async (t) => {
    const { max, per } = await maxError('fast');
    const mean = [...per.values()].reduce((a, b) => a + b, 0) / per.size;
    t.diagnostic(`fast mode: mean MAE ${mean.toFixed(5)}, max ${max.toFixed(5)}`);
    assert.ok(mean <= 0.006, `fast mean MAE ${mean}`);
    assert.ok(max <= 0.03, `fast max MAE ${max}`);
  });
});
