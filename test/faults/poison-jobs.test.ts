import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { jobIds } from '../../src/jobs/index.js';
import { spawnWorker, stopWorker, waitFor, workerProcessSuite } from '../support/worker-process.js';
import { createRunDirect, samplePhotos, waitForSummary } from '../worker/helpers.js';

const PREFIX = '{zspoison}';
const FAST = ['--lock-duration-ms', '2000', '--stalled-interval-ms', '500', '--max-stalled-count', '2'];
const jobKey = (id: string) => `${PREFIX}:chunks:${id}`;

describe('fault: poison chunk jobs end instead of looping', { timeout: 120_000 }, () => {
  const suite = workerProcessSuite('fault-poison');

  it('data not JSON (run chunk and a stray job added with raw commands), a chunk stalled past its maximum: failed once, listed, the run finalizes', async () => {
    const out = path.join(suite.dir, 'out');
    const images = samplePhotos().slice(0, 12);
    await createRunDirect({
      runId: 'poison',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 4,
    });
    const r = new Redis(suite.redis.url);
    try {
      // Chunk 1: its stored data is not JSON any more (as `redis-cli HSET ... data` would leave it).
      await r.hset(jobKey(jobIds.chunk('poison', 1)), 'data', 'this is {not json');
      // Chunk 2: a worker took it and died, again and again: already stalled 5 times, now active without a lock.
      const stalled = jobIds.chunk('poison', 2);
      await r.hset(jobKey(stalled), 'stc', '5');
      assert.equal(await r.lrem(`${PREFIX}:chunks:wait`, 1, stalled), 1);
      await r.lpush(`${PREFIX}:chunks:active`, stalled);
      // A stray job outside any run, added with raw commands.
      await r.hset(
        jobKey('stray'),
        'name',
        'chunk',
        'data',
        'hello',
        'timestamp',
        String(Date.now()),
        'opts',
        '{}',
      );
      await r.lpush(`${PREFIX}:chunks:wait`, 'stray');
      await r.zadd(`${PREFIX}:chunks:marker`, 0, '0');

      const worker = spawnWorker(suite.redis.url, PREFIX, FAST);
      suite.procs.push(worker);
      const summary = await waitForSummary(out, 'poison', 90_000);
      assert.equal(summary.state, 'completed');
      assert.deepEqual(summary.counts, { images: 12, ok: 4, failed: 0, missing: 8 });
      assert.deepEqual(
        summary.chunks.failed.map((f: { index: number }) => f.index),
        [1, 2],
      );
      assert.match(
        summary.chunks.failed[0].reason,
        /JOB_INVALID_PAYLOAD: chunk job .*: job data is not JSON/,
      );
      assert.match(summary.chunks.failed[1].reason, /stalled more than allowable limit/);

      await waitFor(
        'the stray job to fail',
        async () => (await r.zscore(`${PREFIX}:chunks:failed`, 'stray')) !== null,
      );
      assert.match((await r.hget(jobKey('stray'), 'failedReason')) ?? '', /job data is not JSON.*"hello"/);
      for (const id of [jobIds.chunk('poison', 1), 'stray']) {
        assert.ok(
          Number((await r.hget(jobKey(id), 'stc')) ?? 0) <= 1,
          `${id} did not loop through stall recovery`,
        );
      }
      await stopWorker(worker);
      assert.doesNotMatch(worker.output(), /worker error/, 'no parse error escaped as a worker error');
    } finally {
      await r.quit();
    }
  });
});
