import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jobIds } from '../../src/jobs/index.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { quietWorkerArgs, spawnCli } from '../support/worker-process.js';
import {
  copySampleImages,
  countByImage,
  createRunDirect,
  openQueue,
  readParts,
  removeDir,
  sleep,
  startTestWorker,
  tempDir,
  waitForSummary,
} from './helpers.js';

const PREFIX = '{zsstop}';

describe('worker shutdown timeout', { timeout: 150_000 }, () => {
  let redis: RedisServerHandle;
  let dir: string;
  let images: string[];

  before(
    async () => {
      redis = await startRedisServer();
      dir = tempDir('worker-stop');
      images = copySampleImages(dir, 4);
    },
    { timeout: 60_000 },
  );

  after(
    async () => {
      await redis?.stop();
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  it('a chunk longer than --shutdown-timeout-ms is handed back, the process exits 0, another worker redoes it once', async () => {
    const out = path.join(dir, 'out');
    await createRunDirect({
      runId: 'long',
      redisUrl: redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 196,
    });
    const worker = spawnCli([
      'worker',
      ...quietWorkerArgs(redis.url, PREFIX),
      ...[
        '--batch-size',
        '2',
        '--fetch-concurrency',
        '2',
        '--shutdown-timeout-ms',
        '300',
        '--lock-duration-ms',
        '1500',
      ],
    ]);
    const { child } = worker;
    const queue = openQueue(redis.url, PREFIX);
    after(() => queue.close());
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const job = await queue.getJob(jobIds.chunk('long', 0));
        const progress = job?.progress as { done?: number } | undefined;
        if (progress?.done && progress.done > 0) break;
        assert.ok(Date.now() < deadline, `the chunk never started\n${worker.output()}`);
        await sleep(20);
      }
      const t0 = Date.now();
      child.kill('SIGTERM');
      assert.equal((await worker.exited).code, 0, worker.output());
      assert.ok(Date.now() - t0 < 12_000, `exited within a bounded time (${Date.now() - t0} ms)`);
      assert.match(worker.output(), /shutdown timeout: force-closing/);
      assert.equal(
        existsSync(path.join(out, 'long', 'part-000000.jsonl')),
        false,
        'no part from the unfinished chunk',
      );
      const handedBack = await queue.getJob(jobIds.chunk('long', 0));
      assert.equal(await handedBack!.getState(), 'delayed', 'handed back to the queue at once');
      assert.equal(handedBack!.attemptsMade, 0, 'no attempt used by the shutdown');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }

    const b = startTestWorker({
      redisUrl: redis.url,
      queuePrefix: PREFIX,
      stalledIntervalMs: 300,
    });
    try {
      await b.ready;
      const summary = await waitForSummary(out, 'long', 40_000);
      const { lines } = readParts(out, 'long');
      assert.equal(lines.length, images.length);
      assert.equal(countByImage(lines).size, images.length);
      assert.deepEqual(summary.counts, { images: images.length, ok: images.length, failed: 0, missing: 0 });
    } finally {
      await b.close({ timeoutMs: 5_000 });
    }
  });

  it('SIGTERM while Redis is unreachable: exits 0 within seconds', async () => {
    const worker = spawnCli(['worker', ...quietWorkerArgs('redis://127.0.0.1:1')]);
    const { child } = worker;
    try {
      const deadline = Date.now() + 30_000;
      while (!/ECONNREFUSED/.test(worker.output())) {
        assert.ok(Date.now() < deadline, `no connection error logged\n${worker.output()}`);
        await sleep(50);
      }
      const t0 = Date.now();
      child.kill('SIGTERM');
      assert.equal((await worker.exited).code, 0, worker.output());
      assert.ok(Date.now() - t0 < 8_000, `exited within a bounded time (${Date.now() - t0} ms)`);
      assert.ok(
        (worker.output().match(/worker error/g) ?? []).length <= 4,
        'connection errors are not logged in a flood',
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('closes within moments right after a Redis restart (no endless graceful close)', async () => {
    const w = startTestWorker({
      redisUrl: redis.url,
      queuePrefix: '{zsrestart}',
    });
    await w.ready;
    await sleep(200);
    await redis.restart();
    const t0 = Date.now();
    await w.close({ timeoutMs: 5_000 });
    assert.ok(Date.now() - t0 < 3_000, `closed in ${Date.now() - t0} ms`);
  });
});
