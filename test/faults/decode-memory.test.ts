import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { isRunning, samplePeakRss, spawnWorker, workerProcessSuite } from '../support/worker-process.js';
import { completeRun, countByImage } from '../worker/helpers.js';

const PREFIX = '{zsdecodemem}';
const BOMBS = 3;
/** One 10000×10000 16-bit RGB decode costs 600 MB by the budget's count (and ~800 MB of RSS measured). */
const BUDGET_MB = 700;
/** The worker's own RSS plus ONE such decode (~830 MiB measured); two at once measured ~1.4 GiB. */
const RSS_LIMIT = 1.2 * 1024 ** 3;

/**
 * Issue 8, "a 1.2 MB 16-bit interlaced 10000×10000 PNG costs +811 MB for one decode; decodes run one per
 * core": with a decode memory budget that fits one of them, a real worker process decodes such images one
 * at a time (its peak RSS stays under one decode's worth above its own), labels them and their neighbours.
 */
describe('fault: decode memory budget against 16-bit interlaced 10000×10000 PNGs', {
  timeout: 240_000,
}, () => {
  const suite = workerProcessSuite('decode-memory');
  const images: string[] = [];

  before(
    async () => {
      const src = path.join(suite.dir, 'src');
      mkdirSync(src);
      const bomb = await sharp({
        create: { width: 10_000, height: 10_000, channels: 3, background: { r: 10, g: 200, b: 30 } },
      })
        .toColourspace('rgb16')
        .png({ progressive: true }) // Adam7 interlacing: libvips must decode the whole image at once
        .toBuffer();
      for (let i = 0; i < BOMBS; i++) {
        const file = path.join(src, `bomb-${i}.png`);
        writeFileSync(file, bomb);
        images.push(`file://${file}`);
      }
      for (let i = 0; i < 3; i++) {
        const file = path.join(src, `ok-${i}.png`);
        const small = sharp({
          create: { width: 40, height: 30, channels: 3, background: { r: 60 * i, g: 20, b: 90 } },
        });
        writeFileSync(file, await small.png().toBuffer());
        images.push(`file://${file}`);
      }
    },
    { timeout: 60_000 },
  );

  it('decodes them one at a time: every image labeled, peak RSS bounded, the worker stays up', async (t) => {
    const worker = spawnWorker(suite.redis.url, PREFIX, ['--decode-memory-mb', String(BUDGET_MB)]);
    suite.procs.push(worker);
    const rss = samplePeakRss(worker.child.pid as number);
    let peak = 0;
    try {
      const { summary, lines } = await completeRun(
        path.join(suite.dir, 'out'),
        { runId: 'bombs', redisUrl: suite.redis.url, prefix: PREFIX, images, chunkSize: 3 },
        200_000,
      );
      const counts = countByImage(lines);
      assert.deepEqual(
        images.filter((uri) => counts.get(uri) !== 1),
        [],
        'every image has exactly one line',
      );
      const errors = lines.filter((l) => l.error).map((l) => `${l.image}: ${l.error?.code}`);
      assert.deepEqual(errors, [], 'the large images are legitimate: labeled, not refused');
      assert.deepEqual(summary.counts, { images: images.length, ok: images.length, failed: 0, missing: 0 });
      assert.ok(isRunning(worker), 'the worker is still up');
    } finally {
      peak = await rss.stop();
    }
    t.diagnostic(`peak worker RSS ${(peak / 1024 ** 2).toFixed(0)} MiB with a ${BUDGET_MB} MB decode budget`);
    assert.ok(peak > 0 && peak < RSS_LIMIT, `peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB under 1.2 GiB`);
  });
});
