import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { jobIds, QUEUES, redisOptions } from '../../src/jobs/index.js';
import { enqueueRun } from '../../src/producer/index.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import type { RunningWorker } from '../../src/worker/index.js';
import { freePort } from '../support/ports.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { countByImage, createRunDirect, samplePhotos, sleep, startTestWorker } from './helpers.js';

const PREFIX = '{zss3}';
const BUCKET = 'zeroshot-test';

describe('worker: producer → Redis → worker → results in S3 (s3rver)', { timeout: 150_000 }, () => {
  let redis: RedisServerHandle;
  let s3: S3ServerHandle;
  let storage: Storage;
  let worker: RunningWorker;
  const registry = new Registry();

  before(
    async () => {
      [redis, s3] = await Promise.all([startRedisServer(), startS3Server([BUCKET])]);
      storage = createStorage({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: s3.credentials,
        maxAttempts: 2,
      });
      await Promise.all(
        samplePhotos().map((uri) =>
          storage.put(`s3://${BUCKET}/photos/${path.basename(uri)}`, readFileSync(new URL(uri))),
        ),
      );
      await storage.put(`s3://${BUCKET}/photos/bad/empty.jpg`, Buffer.alloc(0));
      await storage.put(`s3://${BUCKET}/photos/bad/text.jpg`, 'not an image');
      worker = startTestWorker({
        redisUrl: redis.url,
        queuePrefix: PREFIX,
        concurrency: 4,
        metricsPort: await freePort(),
        storage,
        registry,
      });
      await worker.ready;
    },
    { timeout: 60_000 },
  );

  after(
    async () => {
      await worker?.close({ timeoutMs: 5_000 });
      storage?.close();
      await Promise.all([redis?.stop(), s3?.stop()]);
    },
    { timeout: 60_000 },
  );

  it('labels the 49 photos (and 2 bad files) once each, writes parts and _SUMMARY.json to S3', async () => {
    const labels = ['a fish', 'a dog', 'a bird', 'a vehicle', 'food', 'a building'];
    const enqueue = () =>
      enqueueRun(
        {
          sources: [`s3://${BUCKET}/photos/`],
          labels,
          output: `s3://${BUCKET}/results/`,
          chunkSize: 10,
          runId: 's3run',
        },
        { redisUrl: redis.url, prefix: PREFIX, storage },
      );
    const res = await enqueue();
    assert.deepEqual(
      { chunks: res.chunks, images: res.images, created: res.created },
      { chunks: 6, images: 51, created: true },
    );

    const summaryUri = `s3://${BUCKET}/results/s3run/_SUMMARY.json`;
    const deadline = Date.now() + 45_000;
    while (!(await storage.head(summaryUri))) {
      assert.ok(Date.now() < deadline, 'no _SUMMARY.json in S3');
      await sleep(100);
    }
    const summary = JSON.parse((await storage.get(summaryUri)).body.toString('utf8'));
    const parts: string[] = [];
    for await (const o of storage.list(`s3://${BUCKET}/results/s3run/`))
      if (/part-\d{6}\.jsonl$/.test(o.uri)) parts.push(o.uri);
    assert.equal(parts.length, 6);
    const lines = (await Promise.all(parts.map((p) => storage.get(p))))
      .flatMap((g) => g.body.toString('utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 51);
    const counts = countByImage(lines);
    assert.equal(counts.size, 51);
    assert.ok([...counts.values()].every((n) => n === 1));
    const photoNames = samplePhotos().map((u) => path.basename(u));
    for (const name of photoNames) {
      const line = lines.find((l) => l.image === `s3://${BUCKET}/photos/${name}`);
      assert.ok(line?.labels, `${name} was labeled`);
      assert.match(line.etag, /^[0-9a-f]{32}$/, 'the S3 ETag is kept');
    }
    const bad = new Map(lines.filter((l) => l.error).map((l) => [path.basename(l.image), l.error.code]));
    assert.deepEqual(Object.fromEntries(bad), {
      'empty.jpg': 'IMAGE_EMPTY',
      'text.jpg': 'IMAGE_UNSUPPORTED_FORMAT',
    });

    assert.equal(summary.state, 'completed');
    assert.deepEqual(summary.counts, { images: 51, ok: 49, failed: 2, missing: 0 });
    assert.deepEqual(summary.failuresByCode, { IMAGE_EMPTY: 1, IMAGE_UNSUPPORTED_FORMAT: 1 });
    assert.equal(summary.chunks.total, 6);
    assert.deepEqual(summary.templates, ['This is a photo of {}.']);

    // Re-enqueueing the same run id creates nothing.
    const again = await enqueue();
    assert.equal(again.created, false);

    // The worker's metrics agree with the result files; /readyz is green.
    const metrics = await (await fetch(`${worker.metricsUrl}/metrics`)).text();
    const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? 'NaN');
    assert.equal(value(/^zeroshot_images_processed_total\{status="ok",code=""\} (\d+)/m), 49);
    assert.equal(value(/^zeroshot_images_processed_total\{status="error",code="IMAGE_EMPTY"\} (\d+)/m), 1);
    assert.equal(value(/^zeroshot_jobs_total\{queue="chunks",outcome="completed"\} (\d+)/m), 6);
    assert.match(metrics, /^zeroshot_model_info\{model="[^"]+",dtype="fp32",provider="cpu"\} 1/m);
    const ready = await fetch(`${worker.metricsUrl}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
  });

  it('an image in a missing bucket is its own IMAGE_NOT_FOUND line; a missing OUTPUT bucket fails the chunk at once', async () => {
    const photos = samplePhotos()
      .slice(0, 4)
      .map((u) => `s3://${BUCKET}/photos/${path.basename(u)}`);
    const manifest = [...photos, 's3://no-such-bucket/cat.jpg']
      .map((uri) => JSON.stringify({ uri }))
      .join('\n');
    await storage.put(`s3://${BUCKET}/manifests/mixed.jsonl`, manifest);
    await enqueueRun(
      {
        manifest: `s3://${BUCKET}/manifests/mixed.jsonl`,
        labels: ['a dog', 'a cat'],
        output: `s3://${BUCKET}/results/`,
        chunkSize: 4,
        runId: 'nobucket',
      },
      { redisUrl: redis.url, prefix: PREFIX, storage },
    );
    const summaryUri = `s3://${BUCKET}/results/nobucket/_SUMMARY.json`;
    const deadline = Date.now() + 30_000;
    while (!(await storage.head(summaryUri))) {
      assert.ok(Date.now() < deadline, 'no _SUMMARY.json in S3');
      await sleep(100);
    }
    const summary = JSON.parse((await storage.get(summaryUri)).body.toString('utf8'));
    assert.equal(summary.state, 'completed');
    assert.deepEqual(summary.counts, { images: 5, ok: 4, failed: 1, missing: 0 });
    assert.deepEqual(summary.chunks.failed, []);
    const part = (await storage.get(`s3://${BUCKET}/results/nobucket/part-000001.jsonl`)).body.toString();
    const line = JSON.parse(part.trim());
    assert.equal(line.image, 's3://no-such-bucket/cat.jpg');
    assert.equal(line.error.code, 'IMAGE_NOT_FOUND');
    assert.match(line.error.message, /bucket does not exist/);

    // The producer refuses a missing output bucket; a bucket deleted after enqueue is the worker's problem.
    await createRunDirect({
      runId: 'nooutput',
      redisUrl: redis.url,
      prefix: PREFIX,
      output: 's3://no-such-output/results/',
      images: photos,
      attempts: 3,
    });
    const queue = new Queue(QUEUES.chunks, {
      connection: redisOptions(redis.url) as ConnectionOptions,
      prefix: PREFIX,
    });
    try {
      let job = await queue.getJob(jobIds.chunk('nooutput', 0));
      while (!(await job?.isFailed())) {
        assert.ok(Date.now() < deadline + 30_000, 'the chunk did not fail');
        await sleep(100);
        job = await queue.getJob(jobIds.chunk('nooutput', 0));
      }
      assert.equal(job?.attemptsStarted, 1, 'not retried');
      assert.match(job?.failedReason ?? '', /cannot write results: STORAGE_BUCKET_NOT_FOUND/);
    } finally {
      await queue.close();
    }
  });
});
