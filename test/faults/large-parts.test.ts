import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { RunningWorker } from '../../src/worker/index.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import {
  countByImage,
  createRunDirect,
  readParts,
  removeDir,
  startTestWorker,
  tempDir,
  waitForSummary,
} from '../worker/helpers.js';

const PREFIX = '{zslargeparts}';
const LABELS = 950;
const IMAGES = 600;

/** Issue 8, "results stream": every score of 950 labels for 600 images in ONE part file. */
describe('fault: 950 labels x 600 images in one chunk, every label kept', { timeout: 180_000 }, () => {
  let redis: RedisServerHandle;
  let worker: RunningWorker;
  let dir: string;
  const images: string[] = [];

  before(
    async () => {
      redis = await startRedisServer();
      dir = tempDir('large-parts');
      mkdirSync(path.join(dir, 'src'));
      const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: 'teal' } })
        .png()
        .toBuffer();
      for (let i = 0; i < IMAGES; i++) {
        const file = path.join(dir, 'src', `img-${i}.png`);
        writeFileSync(file, png);
        images.push(`file://${file}`);
      }
      worker = startTestWorker({ redisUrl: redis.url, queuePrefix: PREFIX, batchSize: 32 });
      await worker.ready;
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      await worker?.close({ timeoutMs: 5_000 });
      await redis?.stop();
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  it('the part file is written line by line and holds every score', async () => {
    const out = path.join(dir, 'out');
    await createRunDirect({
      runId: 'wide',
      redisUrl: redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: IMAGES,
      labels: Array.from({ length: LABELS }, (_, i) => `a photo of thing number ${i}`),
    });
    const summary = await waitForSummary(out, 'wide', 150_000);
    assert.deepEqual(summary.counts, { images: IMAGES, ok: IMAGES, failed: 0, missing: 0 });
    const { parts, lines } = readParts(out, 'wide');
    assert.equal(parts.length, 1);
    assert.equal(countByImage(lines).size, IMAGES);
    assert.ok(
      lines.every((l) => l.labels.length === LABELS),
      'every line keeps all 950 labels',
    );
  });
});
