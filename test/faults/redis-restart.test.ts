import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { killAll, spawnWorker, stopWorker, type WorkerProc, waitFor } from '../support/worker-process.js';
import {
  copySampleImages,
  countByImage,
  createRunDirect,
  readParts,
  removeDir,
  sleep,
  tempDir,
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
  let redis: RedisServerHandle;
  let dir: string;
  const images: string[] = [];
  const procs: WorkerProc[] = [];

  before(
    async () => {
      redis = await startRedisServer({ appendonly: true });
      dir = tempDir('fault-redis');
      images.push(...copySampleImages(dir, COPIES));
    },
    { timeout: 60_000 },
  );

  after(
    async () => {
      await killAll(procs);
      await redis?.stop();
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  it('the workers reconnect and the run completes with every image exactly once', async (t) => {
    const out = path.join(dir, 'out');
    await createRunDirect({
      runId: 'restarted',
      redisUrl: redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 7,
      attempts: 10,
      backoffMs: 200,
    });
    const fast = ['--lock-duration-ms', '3000', '--stalled-interval-ms', '1000', '--max-stalled-count', '20'];
    const workers = [
      spawnWorker(redis.url, PREFIX, [...fast, '--concurrency', '1', '--batch-size', '2']),
      spawnWorker(redis.url, PREFIX, [...fast, '--concurrency', '1', '--batch-size', '2']),
    ];
    procs.push(...workers);
    const runDir = path.join(out, 'restarted');
    await waitFor('a few parts before the restart', () => partCount(runDir) >= 3, 60_000);
    const before = partCount(runDir);
    // Down for two seconds (data kept), then back on the same port: the AOF replays the queue.
    await redis.stop({ removeData: false });
    await sleep(2_000);
    await redis.restart();
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
