import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Job, Queue } from 'bullmq';
import type { ZeroshotError } from '../../src/core/errors/index.js';
import { jobIds, keys, QUEUES } from '../../src/jobs/index.js';
import {
  cancelRun,
  enqueueRun,
  getRunStatus,
  listFailedChunks,
  listRuns,
  type RunStatus,
  retryFailedChunks,
  waitForRun,
} from '../../src/producer/index.js';
import { hookedListing, redisSuite, startFakeWorker, until } from './fixtures.js';

describe('run lifecycle: status, runs, cancel, failed, retry', () => {
  const suite = redisSuite();
  let n = 0;
  const prefix = () => `{zl${++n}}`;
  const images = (count: number) =>
    suite.tree(Array.from({ length: count }, (_, i) => `img/${String(i).padStart(3, '0')}.jpg`)).uri;
  const out = () => suite.tree([]).uri;

  it('reports progress while a worker runs, then the completed state and summary', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    const res = await enqueueRun(
      { sources: [images(20)], labels: ['a', 'b'], output: out(), chunkSize: 5, runId: 'ok1' },
      d,
    );
    const pending = await getRunStatus('ok1', d);
    assert.equal(pending.state, 'queued', 'no worker has taken a chunk yet');
    assert.equal(pending.sealed, true);
    assert.deepEqual(pending.chunks, { total: 4, done: 0, failed: 0, pending: 4 });
    assert.deepEqual(pending.images, { total: 20, done: 0, failed: 0 });
    assert.equal(pending.labels, 2);

    const worker = startFakeWorker({ ...d, chunkDelayMs: 30 });
    const seen: RunStatus[] = [];
    const final = await waitForRun(
      res.runId,
      { pollMs: 50, timeoutMs: 20_000, onProgress: (s) => seen.push(s) },
      d,
    );
    await worker.close();
    assert.equal(final.state, 'completed');
    assert.deepEqual(final.chunks, { total: 4, done: 4, failed: 0, pending: 0 });
    assert.deepEqual(final.images, { total: 20, done: 20, failed: 0 });
    assert.ok(final.rate > 0);
    assert.ok(final.finishedAt);
    assert.equal((final.summary as { state: string }).state, 'completed');
    assert.ok(seen.length >= 1);

    const runs = await listRuns({ limit: 10 }, d);
    assert.deepEqual(
      runs.map((r) => [r.runId, r.state]),
      [['ok1', 'completed']],
    );
  });

  it('lists runs newest first and reports unknown ids clearly', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    for (const id of ['r1', 'r2', 'r3']) {
      await enqueueRun({ sources: [images(1)], labels: ['a'], output: out(), runId: id }, d);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(
      (await listRuns({ limit: 2 }, d)).map((r) => r.runId),
      ['r3', 'r2'],
    );
    await assert.rejects(
      getRunStatus('nope', d),
      (err: ZeroshotError) => err.code === 'RUN_NOT_FOUND' && /nope/.test(err.message),
    );
  });

  it('cancel removes waiting chunks and the run ends as cancelled', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    await enqueueRun({ sources: [images(30)], labels: ['a'], output: out(), chunkSize: 3, runId: 'c1' }, d);
    const res = await cancelRun('c1', d);
    assert.deepEqual(res, { runId: 'c1', cancelled: true, state: 'cancelled', removed: 10 });
    const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
    assert.equal(await chunks.count(), 0);
    await chunks.close();
    // The parent was released by the removals: a worker finalizes it as cancelled.
    const worker = startFakeWorker(d);
    const final = await waitForRun('c1', { pollMs: 50, timeoutMs: 20_000 }, d);
    await worker.close();
    assert.equal(final.state, 'cancelled');
    assert.equal((final.summary as { state: string }).state, 'cancelled');
    assert.equal((await cancelRun('c1', d)).cancelled, false, 'cancelling twice is a no-op');
  });

  it('lists failed chunks with reasons, retries them and the run finalizes again', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    await enqueueRun(
      { sources: [images(12)], labels: ['a'], output: out(), chunkSize: 3, attempts: 2, runId: 'f1' },
      d,
    );
    let broken = true;
    const worker = startFakeWorker({ ...d, failChunks: (_r, i) => broken && (i === 1 || i === 3) });
    const first = await waitForRun('f1', { pollMs: 100, timeoutMs: 30_000 }, d);
    assert.equal(first.state, 'completed');
    assert.deepEqual(first.chunks, { total: 4, done: 2, failed: 2, pending: 0 });
    assert.equal(first.images.done, 6);

    const failed = await listFailedChunks('f1', d);
    assert.deepEqual(
      failed.map((f) => [f.index, f.jobId, f.attemptsMade, f.images]),
      [
        [1, jobIds.chunk('f1', 1), 2, 3],
        [3, jobIds.chunk('f1', 3), 2, 3],
      ],
    );
    assert.match(failed[0]?.failedReason ?? '', /injected failure in chunk 1/);

    broken = false;
    const retry = await retryFailedChunks('f1', d);
    assert.deepEqual(retry, { runId: 'f1', retried: 2, refinalized: true });
    const again = await waitForRun('f1', { pollMs: 100, timeoutMs: 30_000 }, d);
    await worker.close();
    assert.equal(again.state, 'completed');
    assert.deepEqual(again.chunks, { total: 4, done: 4, failed: 0, pending: 0 });
    assert.deepEqual(again.images, { total: 12, done: 12, failed: 0 });
    assert.equal((again.summary as { chunks: { failed: number } }).chunks.failed, 0);
    assert.deepEqual(await listFailedChunks('f1', d), []);
    assert.deepEqual(await retryFailedChunks('f1', d), { runId: 'f1', retried: 0, refinalized: false });
    const parent = await Job.fromId(
      new Queue(QUEUES.runs, { connection: suite.redis, prefix: p }),
      jobIds.run('f1'),
    );
    assert.equal(await parent?.getState(), 'completed');
    assert.equal(await suite.redis.hget(keys(p).run('f1'), 'state'), 'completed');
  });

  it('does not finalize before sealing, even when the first chunks finish while the listing is slow', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The real file backend, but the listing stalls after 40 keys (the first flow batch is 32 chunks of 1).
    const storage = hookedListing(40, () => gate);
    const worker = startFakeWorker(d);
    try {
      const enqueued = enqueueRun(
        { sources: [images(60)], labels: ['a'], output: out(), chunkSize: 1, runId: 'slow' },
        { ...d, storage },
      );
      // Every chunk added so far completes; the parent has nothing pending but must not finalize.
      await until(async () => (await suite.redis.hlen(keys(p).runProgress('slow'))) >= 32, 20_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await suite.redis.hget(keys(p).run('slow'), 'state'), 'running');
      assert.equal(await suite.redis.hget(keys(p).run('slow'), 'summary'), null);
      release();
      assert.equal((await enqueued).chunks, 60);
      const final = await waitForRun('slow', { pollMs: 50, timeoutMs: 20_000 }, d);
      assert.equal(final.state, 'completed');
      assert.deepEqual(final.chunks, { total: 60, done: 60, failed: 0, pending: 0 });
      assert.deepEqual(final.images, { total: 60, done: 60, failed: 0 });
    } finally {
      release();
      await worker.close();
      storage.close();
    }
  });

  it('a run cancelled while it is still being enqueued stops listing and ends cancelled', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const storage = hookedListing(40, () => gate);
    const enqueued = enqueueRun(
      { sources: [images(200)], labels: ['a'], output: out(), chunkSize: 1, runId: 'cw' },
      { ...d, storage },
    );
    await until(async () => (await suite.redis.hget(keys(p).run('cw'), 'chunks')) === '32');
    const res = await cancelRun('cw', d);
    assert.equal(res.removed, 32);
    release();
    const done = await enqueued;
    assert.ok(done.chunks < 200, `listing stopped early (${done.chunks} chunks)`);
    assert.equal(await suite.redis.hget(keys(p).run('cw'), 'sealed'), '1');
    const worker = startFakeWorker(d);
    try {
      const final = await waitForRun('cw', { pollMs: 50, timeoutMs: 20_000 }, d);
      assert.equal(final.state, 'cancelled');
    } finally {
      await worker.close();
      storage.close();
    }
  });

  it('a listing that fails part-way cancels what was enqueued and reports the error', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    const storage = hookedListing(50, async () => {
      throw new Error('listing broke');
    });
    await assert.rejects(
      enqueueRun(
        { sources: [images(80)], labels: ['a'], output: out(), chunkSize: 1, runId: 'lf' },
        { ...d, storage },
      ),
      /listing broke/,
    );
    const run = await suite.redis.hgetall(keys(p).run('lf'));
    assert.equal(run.state, 'cancelled');
    assert.equal(run.sealed, '1');
    assert.match(run.error ?? '', /enqueue failed: listing broke/);
    const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
    assert.equal(await chunks.count(), 0, 'the chunks already enqueued were removed');
    await chunks.close();
    const status = await getRunStatus('lf', d);
    assert.match(status.error ?? '', /listing broke/);
    storage.close();
  });

  it('pauses listing while too many chunks wait for workers (bounded Redis), then finishes', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    let settled = false;
    const enqueued = enqueueRun(
      {
        sources: [images(100)],
        labels: ['a'],
        output: out(),
        chunkSize: 1,
        maxPendingChunks: 40,
        runId: 'bp',
      },
      d,
    ).finally(() => {
      settled = true;
    });
    await until(async () => (await suite.redis.hget(keys(p).run('bp'), 'chunks')) === '64');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(settled, false, 'the producer waits for workers');
    assert.equal(await suite.redis.hget(keys(p).run('bp'), 'chunks'), '64');
    const worker = startFakeWorker(d);
    try {
      assert.equal((await enqueued).chunks, 100);
      const final = await waitForRun('bp', { pollMs: 50, timeoutMs: 20_000 }, d);
      assert.deepEqual(final.chunks, { total: 100, done: 100, failed: 0, pending: 0 });
    } finally {
      await worker.close();
    }
  });
});
