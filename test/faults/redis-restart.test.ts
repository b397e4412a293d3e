import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { spawnWorker, stopWorker, waitFor, workerProcessSuite } from '../support/worker-process.js';
import {
  copySampleImages,
  countByImage,
  createRunDirect,
  readParts,
  sleep,
  waitForSummary,
} from '../worker/helpers.js';

const PREFIX = '{zsredis}';
const COPIES = 6;

const partCount = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => f.startsWith('part-')).length;
  } catch {
    return 0;
  }
};

describe('fault: redis-server (AOF) restarted in the middle of a run', { timeout: 180_000 }, () => {
  const suite = workerProcessSuite('fault-redis', { appendonly: true });
  const images: string[] = [];

  before(
    async () => {
      images.push(...copySampleImages(suite.dir, COPIES));
    },
    { timeout: 60_000 },
  );

  it('the workers reconnect and the run completes with every image exactly once', async (t) => {
    const out = path.join(suite.dir, 'out');
    await createRunDirect({
      runId: 'restarted',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 7,
      attempts: 10,
      backoffMs: 200,
    });
    const fast = ['--lock-duration-ms', '3000', '--stalled-interval-ms', '1000', '--max-stalled-count', '20'];
    const workers = [
      spawnWorker(suite.redis.url, PREFIX, [...fast, '--concurrency', '1', '--batch-size', '2']),
      spawnWorker(suite.redis.url, PREFIX, [...fast, '--concurrency', '1', '--batch-size', '2']),
    ];
    suite.procs.push(...workers);
    const runDir = path.join(out, 'restarted');
    await waitFor('a few parts before the restart', () => partCount(runDir) >= 3, 60_000);
    const before = partCount(runDir);
    // Down for two seconds (data kept), then back on the same port: the AOF replays the queue.
    await suite.redis.stop({ removeData: false });
    await sleep(2_000);
    await suite.redis.restart();
    t.diagnostic(`redis restarted after ${before} of ${Math.ceil(images.length / 7)} parts`);
    assert.ok(before < Math.ceil(images.length / 7), 'the restart happened mid-run');

    const summary = await waitForSummary(out, 'restarted', 120_000);
    for (const w of workers)
      assert.ok(w.child.exitCode === null, `worker stayed up:\n${w.output().slice(-2000)}`);
    await Promise.all(workers.map((w) => stopWorker(w)));
    const { lines } = readParts(out, 'restarted');
    const counts = countByImage(lines);
    for (const uri of images) assert.equal(counts.get(uri), 1, `${uri} appears exactly once`);
    assert.equal(lines.length, images.length);
    assert.ok(
      lines.every((l) => l.labels),
      'no image became an error line',
    );
    assert.deepEqual(summary.counts, { images: images.length, ok: images.length, failed: 0, missing: 0 });
    assert.deepEqual(summary.chunks.failed, []);
  });
});
