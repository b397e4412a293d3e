import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RunStore } from '../../src/runs/index.js';
import { spawnCli, spawnWorker, stopWorker, waitFor, workerProcessSuite } from '../support/worker-process.js';
import { copySampleImages, waitForSummary } from '../worker/helpers.js';

const PREFIX = '{zslife}';

describe('fault: runs always end', { timeout: 180_000 }, () => {
  const suite = workerProcessSuite('fault-lifecycle');

  it('producer killed mid-enqueue: the run is failed after its lease lapses, with the reason, and finalizes', async () => {
    copySampleImages(suite.dir, 1); // 49 photos under <dir>/images/
    const out = path.join(suite.dir, 'out');
    const env = {
      REDIS_URL: suite.redis.url,
      ZEROSHOT_QUEUE_PREFIX: PREFIX,
      ZEROSHOT_PRODUCER_LEASE_MS: '1500',
    };
    // 49 chunks of 1; the first 32 go in at once, then listing waits for room (nothing consumes yet).
    const producer = spawnCli(
      [
        'enqueue',
        path.join(suite.dir, 'images'),
        '--labels',
        'cat,dog',
        '--output',
        out,
        '--run-id',
        'orphan',
        '--chunk-size',
        '1',
        '--max-pending-chunks',
        '4',
      ],
      env,
    );
    suite.procs.push(producer);
    const redis = new Redis(suite.redis.url);
    const runs = new RunStore(redis, PREFIX);
    try {
      await waitFor(
        'the first chunks to be enqueued',
        async () => (await runs.loadLite('orphan'))?.chunks === 32,
      );
      producer.child.kill('SIGKILL');
      await producer.exited;
      const before = await runs.require('orphan');
      assert.deepEqual([before.state, before.sealed], ['running', false]);

      const worker = spawnWorker(suite.redis.url, PREFIX, ['--finalize-retry-ms', '200']);
      suite.procs.push(worker);
      const summary = await waitForSummary(out, 'orphan', 90_000);
      await stopWorker(worker);
      assert.equal(summary.state, 'failed');
      assert.match(
        summary.error,
        /producer stopped before sealing the run.*lease \(1500 ms\) lapsed.*32 chunks/,
      );
      assert.deepEqual(summary.counts, { images: 32, ok: 32, failed: 0, missing: 0 });
      const rec = await runs.require('orphan');
      assert.deepEqual([rec.state, rec.sealed], ['failed', true]);
      assert.match(rec.error ?? '', /producer stopped/);

      // `status` says so, and `enqueue --wait` on the ended run returns at once.
      const status = spawnCli(['status', 'orphan', '--json'], env);
      await status.exited;
      assert.equal(JSON.parse(status.output()).state, 'failed');
    } finally {
      await redis.quit();
    }
  });

  it('enqueue --wait with no worker: queued state, one clear warning naming the queue, exit 4 at --timeout', async () => {
    copySampleImages(suite.dir, 1);
    const out = path.join(suite.dir, 'out-nw');
    const env = { REDIS_URL: suite.redis.url, ZEROSHOT_QUEUE_PREFIX: '{zsnoworker}' };
    const waiting = spawnCli(
      [
        'enqueue',
        path.join(suite.dir, 'images'),
        '--labels',
        'cat,dog',
        '--output',
        out,
        '--run-id',
        'lonely',
        '--wait',
        '--warn-no-worker',
        '1',
        '--timeout',
        '4',
      ],
      env,
    );
    suite.procs.push(waiting);
    const { code } = await waiting.exited;
    const text = waiting.output();
    assert.equal(code, 4, text);
    assert.match(text, /warning: no worker is consuming queue \{zsnoworker\}:chunks \(none seen for \d+s\)/);
    assert.match(
      text,
      /WAIT_TIMEOUT: run lonely did not finish within 4000 ms \(state queued, 0\/49 images\)/,
    );
    assert.match(text, /0\/\d+ chunks, 0 failed/, 'the progress line shows chunks and failed chunks');

    const status = spawnCli(['status', 'lonely'], env);
    await status.exited;
    assert.match(status.output(), /state\s+queued/);
  });
});
