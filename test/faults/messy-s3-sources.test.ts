import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { jobIds } from '../../src/jobs/index.js';
import { completeRun, countByImage, openQueue, removeDir, sleep, tempDir } from '../worker/helpers.js';
import { s3FaultSuite } from '../worker/s3-fault-suite.js';

const PREFIX = '{zsmessys3}';
const BUCKET = 'zeroshot-messy';
const DEADLINE_MS = 4_000;

/** A small distinct PNG per index: decoding stays fast, every image is a real one. */
const tinyPng = (i: number) =>
  sharp({
    create: {
      width: 40,
      height: 30,
      channels: 3,
      background: { r: (i * 37) % 256, g: (i * 91) % 256, b: 99 },
    },
  })
    .png()
    .toBuffer();

/**
 * Issue 8, "judge every image alone", against a real S3 server behind a fault proxy: one bad object costs
 * its neighbours nothing, it is tried within its own budget, and it ends as exactly one coded error line.
 */
describe('fault: bad S3 objects among good ones', { timeout: 150_000 }, () => {
  const suite = s3FaultSuite({
    bucket: BUCKET,
    prefix: PREFIX,
    faults: ['5xx'],
    seed: 3,
    flaky: { maxAttempts: 2, retryBaseDelayMs: 20, retryMaxDelayMs: 100, requestTimeoutMs: 5_000 },
    worker: { imageFetchAttempts: 2, imageFetchTimeoutMs: DEADLINE_MS },
  });
  let out: string;
  const images: string[] = [];

  before(
    async () => {
      for (let i = 0; i < 21; i++) {
        const uri = `s3://${BUCKET}/photos/img-${String(i).padStart(2, '0')}.png`;
        images.push(uri);
        await suite.direct.put(uri, await tinyPng(i));
      }
      out = tempDir('messy-s3');
    },
    { timeout: 60_000 },
  );

  after(() => removeDir(out));

  async function run(runId: string) {
    const { summary, lines } = await completeRun(
      out,
      { runId, redisUrl: suite.redis.url, prefix: PREFIX, images, chunkSize: 21, attempts: 3 },
      60_000,
    );
    const counts = countByImage(lines);
    for (const uri of images) assert.equal(counts.get(uri), 1, `${uri}: exactly one line`);
    const byImage = new Map(lines.map((l) => [l.image as string, l]));
    const queue = openQueue(suite.redis.url, PREFIX);
    const job = await queue.getJob(jobIds.chunk(runId, 0));
    await queue.close();
    return { summary, byImage, attemptsStarted: job?.attemptsStarted };
  }

  it('403 on one of 21 objects: 20 labeled + 1 IMAGE_ACCESS_DENIED line, on the first attempt', async () => {
    suite.proxy.setKeyFault('img-07', { kind: 'status', status: 403, code: 'AccessDenied' });
    try {
      const { summary, byImage, attemptsStarted } = await run('denied');
      const bad = byImage.get(images[7] as string);
      assert.equal(bad.error?.code, 'IMAGE_ACCESS_DENIED', JSON.stringify(bad));
      assert.match(bad.error.message, /access denied/i);
      assert.equal([...byImage.values()].filter((l) => l.labels).length, 20);
      assert.deepEqual(summary.counts, { images: 21, ok: 20, failed: 1, missing: 0 });
      assert.deepEqual(summary.chunks.failed, []);
      assert.equal(suite.proxy.stats.keyRequests['img-07'], 1, 'a denied read is not retried');
      assert.equal(attemptsStarted, 1, 'the chunk was written on its first attempt');
    } finally {
      suite.proxy.setKeyFault('img-07', undefined);
    }
  });

  it('a cut-off body, a permanent 503 and an archived object: neighbours labeled, coded lines', async () => {
    suite.proxy.setKeyFault('img-03', { kind: 'cut' });
    suite.proxy.setKeyFault('img-11', { kind: 'status', status: 503, code: 'ServiceUnavailable' });
    suite.proxy.setKeyFault('img-19', { kind: 'status', status: 403, code: 'InvalidObjectState' });
    try {
      const { summary, byImage, attemptsStarted } = await run('broken');
      const code = (i: number) => byImage.get(images[i] as string)?.error?.code;
      assert.equal(code(3), 'IMAGE_FETCH_FAILED');
      assert.equal(code(11), 'IMAGE_FETCH_FAILED');
      assert.match(byImage.get(images[11] as string).error.message, /503/);
      assert.equal(code(19), 'IMAGE_ARCHIVED');
      assert.equal([...byImage.values()].filter((l) => l.labels).length, 18);
      assert.deepEqual(summary.counts, { images: 21, ok: 18, failed: 3, missing: 0 });
      // Each bad object had its own bounded budget: 2 image attempts x 2 storage attempts.
      assert.equal(suite.proxy.stats.keyRequests['img-11'], 4);
      assert.equal(suite.proxy.stats.keyRequests['img-19'], 1, 'archived is permanent: one request');
      assert.equal(attemptsStarted, 1, 'no chunk retry');
    } finally {
      for (const k of ['img-03', 'img-11', 'img-19']) suite.proxy.setKeyFault(k, undefined);
    }
  });

  it('a body trickling 1 byte per second ends at the per-image deadline, not per idle socket', async () => {
    suite.proxy.setKeyFault('img-15', { kind: 'trickle', intervalMs: 1_000 });
    try {
      const { summary, byImage } = await run('trickle');
      const bad = byImage.get(images[15] as string);
      assert.equal(bad.error?.code, 'IMAGE_FETCH_FAILED');
      assert.match(bad.error.message, new RegExp(`${DEADLINE_MS} ms deadline`));
      assert.deepEqual(summary.counts, { images: 21, ok: 20, failed: 1, missing: 0 });
      // The worker hung up on the trickle (the proxy notices at its next byte).
      for (let i = 0; i < 30 && suite.proxy.stats.trickleAbandoned === 0; i++) await sleep(100);
      assert.ok(
        suite.proxy.stats.trickleAbandoned >= 1,
        'the trickling response was abandoned by the worker',
      );
    } finally {
      suite.proxy.setKeyFault('img-15', undefined);
    }
  });
});
