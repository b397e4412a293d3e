import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Queue } from 'bullmq';
import { createRedis, JOB_NAMES, PAYLOAD_VERSION } from '../../src/jobs/index.js';
import { enqueueRun } from '../../src/producer/index.js';
import { CLI } from '../support/fixtures.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { killAll, spawnWorker, type WorkerProc, waitFor } from '../support/worker-process.js';
import { completeRun, countByImage, openQueue, removeDir, samplePhotos, tempDir } from '../worker/helpers.js';

const PREFIX = '{zsmalformed}';
const photo = samplePhotos()[0] as string;

async function dbSize(url: string): Promise<number> {
  const r = createRedis(url);
  try {
    return await r.dbsize();
  } finally {
    await r.quit();
  }
}

describe('fault: malformed job payloads and enqueue options', { timeout: 150_000 }, () => {
  let redis: RedisServerHandle;
  let dir: string;
  let queue: Queue;
  const procs: WorkerProc[] = [];

  before(async () => {
    redis = await startRedisServer();
    dir = tempDir('fault-malformed');
  });

  after(
    async () => {
      await queue?.close();
      await killAll(procs);
      await redis?.stop();
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  describe('enqueue options are rejected up front, nothing reaches Redis', () => {
    const base = { sources: [photo], labels: ['a dog', 'a cat'], output: 'file:///tmp/zeroshot-out/' };
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      [
        '100,000 labels',
        { labels: Array.from({ length: 100_000 }, (_, i) => `label ${i}`) },
        'INVALID_LABELS',
        /100000 labels given, at most 10000/,
      ],
      [
        'a 1 MB label',
        { labels: ['x'.repeat(1 << 20), 'b'] },
        'INVALID_LABELS',
        /longer than 1000 characters/,
      ],
      ['no labels', { labels: [] }, 'INVALID_LABELS', /no labels given/],
      ['a blank label', { labels: ['a dog', '   '] }, 'INVALID_LABELS', /label #2 is empty or blank/],
      [
        'an unsupported scheme',
        { sources: ['ftp://host/x.jpg'] },
        'INVALID_OPTION',
        /unsupported scheme "ftp:"/,
      ],
      ['a relative URI', { sources: ['images/x.jpg'] }, 'INVALID_OPTION', /expected s3:\/\/bucket\/key/],
      [
        'path traversal in an S3 key',
        { sources: ['s3://bucket/photos/../../secrets/x.jpg'] },
        'INVALID_OPTION',
        /path segment "\.\." is not allowed/,
      ],
      [
        'path traversal in a file:// source',
        { sources: ['file:///tmp/../etc/passwd'] },
        'INVALID_OPTION',
        /path segment "\.\." is not allowed/,
      ],
      [
        'an output prefix climbing out of its prefix',
        { output: 's3://bucket/results/../../other/' },
        'INVALID_OPTION',
        /--output: .*path segment "\.\." is not allowed/,
      ],
      [
        'an output without a bucket',
        { output: 's3:///results/' },
        'INVALID_OPTION',
        /--output: .*bucket name "" is not valid/,
      ],
      ['an output at the filesystem root', { output: 'file:///' }, 'INVALID_OPTION', /filesystem root/],
      ['a run id with traversal', { runId: '../evil' }, 'INVALID_OPTION', /--run-id must match/],
    ];
    for (const [what, override, code, message] of cases) {
      it(`enqueueRun: ${what} → ${code}`, async () => {
        await assert.rejects(
          enqueueRun({ ...base, ...override } as never, { redisUrl: redis.url, prefix: PREFIX }),
          (err: Error & { code?: string }) => {
            assert.equal(err.code, code);
            assert.match(err.message, message);
            assert.ok(err.message.length < 400, 'the message is short, not an echo of the input');
            return true;
          },
        );
        assert.equal(await dbSize(redis.url), 0, 'nothing was written to Redis');
      });
    }

    const cli: Array<[string, string[], RegExp]> = [
      ['empty labels', ['--labels', ' , ', '--output', 'file:///tmp/zeroshot-out/', photo], /label/],
      [
        'output outside the bucket',
        ['--labels', 'a,b', '--output', 's3://bucket/r/../../x/', photo],
        /--output: .*path segment "\.\." is not allowed/,
      ],
      [
        'path traversal in a source key',
        ['--labels', 'a,b', '--output', 'file:///tmp/zeroshot-out/', 's3://bucket/a/../../b.jpg'],
        /path segment "\.\." is not allowed/,
      ],
    ];
    for (const [what, args, message] of cli) {
      it(`zeroshot enqueue: ${what} → exit 2 with a clear message`, () => {
        const res = spawnSync(
          process.execPath,
          [CLI, 'enqueue', '--redis-url', redis.url, '--queue-prefix', PREFIX, ...args],
          { encoding: 'utf8', timeout: 30_000 },
        );
        assert.equal(res.status, 2, res.stderr);
        assert.match(res.stderr, message);
        assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
      });
    }

    it('Redis is still empty after every rejected enqueue', async () => {
      assert.equal(await dbSize(redis.url), 0);
    });
  });

  describe('malformed chunk jobs fail unrecoverably and the worker keeps going', () => {
    it('each bad payload fails on its first attempt with JOB_INVALID_PAYLOAD or RUN_NOT_FOUND', async () => {
      queue = openQueue(redis.url, PREFIX);
      const img = { uri: photo };
      const bad: Array<[string, unknown, RegExp]> = [
        ['empty', {}, /JOB_INVALID_PAYLOAD/],
        ['missing images', { v: PAYLOAD_VERSION, runId: 'r1', index: 0 }, /JOB_INVALID_PAYLOAD.*images/],
        ['wrong version', { v: 999, runId: 'r1', index: 0, images: [img] }, /JOB_INVALID_PAYLOAD.*v/],
        [
          'negative index',
          { v: PAYLOAD_VERSION, runId: 'r1', index: -1, images: [img] },
          /JOB_INVALID_PAYLOAD/,
        ],
        [
          'bad image URI',
          { v: PAYLOAD_VERSION, runId: 'r1', index: 0, images: [{ uri: 'ftp://x/y.jpg' }] },
          /JOB_INVALID_PAYLOAD/,
        ],
        [
          'run id with traversal',
          { v: PAYLOAD_VERSION, runId: '../../etc', index: 0, images: [img] },
          /JOB_INVALID_PAYLOAD.*runId/,
        ],
        [
          'unknown field',
          { v: PAYLOAD_VERSION, runId: 'r1', index: 0, images: [img], exec: 'rm -rf /' },
          /JOB_INVALID_PAYLOAD/,
        ],
        ['not an object', 'just a string', /JOB_INVALID_PAYLOAD/],
        [
          'unknown run',
          { v: PAYLOAD_VERSION, runId: 'no-such-run', index: 0, images: [img] },
          /RUN_NOT_FOUND/,
        ],
      ];
      const jobs = await Promise.all(
        bad.map(([name, data]) =>
          queue.add(JOB_NAMES.chunk, data, { jobId: `bad-${name.replace(/\W+/g, '-')}`, attempts: 5 }),
        ),
      );
      const worker = spawnWorker(redis.url, PREFIX);
      procs.push(worker);
      await waitFor(
        'every bad job to fail',
        async () => (await queue.getJobCounts('failed')).failed === bad.length,
        60_000,
        200,
      );
      for (const [i, [name, , reason]] of bad.entries()) {
        const job = await queue.getJob(jobs[i]?.id as string);
        assert.ok(job, name);
        assert.equal(await job.getState(), 'failed', name);
        assert.match(job.failedReason, reason, `${name}: ${job.failedReason}`);
        assert.equal(job.attemptsMade, 1, `${name}: not retried (unrecoverable)`);
      }
      assert.equal(worker.child.exitCode, null, 'the worker is still up');

      // ...and still processes a normal run.
      const out = `${dir}/out`;
      const images = samplePhotos().slice(0, 10);
      const { summary, lines } = await completeRun(
        out,
        { runId: 'after-bad', redisUrl: redis.url, prefix: PREFIX, images },
        60_000,
      );
      assert.equal(countByImage(lines).size, images.length);
      assert.deepEqual(summary.counts, { images: 10, ok: 10, failed: 0, missing: 0 });
    });

    it('path traversal in the image keys of a valid chunk: those images become error lines, never read', async () => {
      const out = `${dir}/out`;
      const traversal = ['file:///tmp/../etc/passwd', 's3://bucket/photos/../../secrets/key.jpg'];
      const { summary, lines } = await completeRun(
        out,
        { runId: 'traversal', redisUrl: redis.url, prefix: PREFIX, images: [...traversal, photo] },
        60_000,
      );
      assert.equal(lines.length, 3);
      for (const uri of traversal) {
        const line = lines.find((l) => l.image === uri);
        assert.ok(line?.error, `${uri} is an error line`);
        assert.match(line.error.message, /path segment "\.\." is not allowed/);
      }
      assert.ok(lines.find((l) => l.image === photo)?.labels, 'the valid image in the same chunk is scored');
      assert.deepEqual(summary.counts, { images: 3, ok: 1, failed: 2, missing: 0 });
      assert.deepEqual(summary.chunks.failed, []);
    });
  });
});
