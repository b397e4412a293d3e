import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { completeRun, countByImage, workerSuite } from '../worker/helpers.js';

const PREFIX = '{zslargeparts}';
const LABELS = 950;
const IMAGES = 600;

/** Issue 8, "results stream": every score of 950 labels for 600 images in ONE part file. */
describe('fault: 950 labels x 600 images in one chunk, every label kept', { timeout: 180_000 }, () => {
  const suite = workerSuite('large-parts', PREFIX, { batchSize: 32 });
  const images: string[] = [];

  before(
    async () => {
      mkdirSync(path.join(suite.dir, 'src'));
      const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: 'teal' } })
        .png()
        .toBuffer();
      for (let i = 0; i < IMAGES; i++) {
        const file = path.join(suite.dir, 'src', `img-${i}.png`);
        writeFileSync(file, png);
        images.push(`file://${file}`);
      }
    },
    { timeout: 60_000 },
  );

  it('the part file is written line by line and holds every score', async () => {
    const { summary, parts, lines } = await completeRun(
      path.join(suite.dir, 'out'),
      {
        runId: 'wide',
        redisUrl: suite.redis.url,
        prefix: PREFIX,
        images,
        chunkSize: IMAGES,
        labels: Array.from({ length: LABELS }, (_, i) => `a photo of thing number ${i}`),
      },
      150_000,
    );
    assert.deepEqual(summary.counts, { images: IMAGES, ok: IMAGES, failed: 0, missing: 0 });
    assert.equal(parts.length, 1);
    assert.equal(countByImage(lines).size, IMAGES);
    assert.ok(
      lines.every((l) => l.labels.length === LABELS),
      'every line keeps all 950 labels',
    );
  });
});
