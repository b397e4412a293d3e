import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enqueueRun } from '../../src/producer/index.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { killAll, spawnWorker, stopWorker, type WorkerProc } from '../support/worker-process.js';
import { countByImage, samplePhotos, sleep } from '../worker/helpers.js';

const PREFIX = '{zss3fault}';
const BUCKET = 'zeroshot-s3-faults';
const COPIES = 3; // 147 images: one listing page (s3rver pages at 1000 keys)

describe('fault: S3 proxy failing 10 % of requests (5xx, slow, resets)', { timeout: 180_000 }, () => {
  let redis: RedisServerHandle;
  let s3: S3ServerHandle;
  let proxy: S3FaultProxy;
  let direct: Storage;
  const procs: WorkerProc[] = [];
  const images: string[] = [];

  before(
    async () => {
      [redis, s3] = await Promise.all([startRedisServer(), startS3Server([BUCKET])]);
      direct = createStorage({
        region: s3.region,
        forcePathStyle: true,
        credentials: s3.credentials,
        endpoint: s3.endpoint,
      });
      for (let copy = 0; copy < COPIES; copy++) {
        await Promise.all(
          samplePhotos().map((uri) => {
            const key = `s3://${BUCKET}/photos/${copy}/${path.basename(uri)}`;
            images.push(key);
            return direct.put(key, readFileSync(new URL(uri)));
          }),
        );
      }
      proxy = await startS3FaultProxy({
        target: s3.endpoint,
        rate: 0,
        faults: ['5xx', 'slow', 'reset'],
        seed: 11,
        slowMs: 2_500,
      });
    },
    { timeout: 60_000 },
  );

  after(
    async () => {
      await killAll(procs);
      direct?.close();
      await proxy?.stop();
      await Promise.all([redis?.stop(), s3?.stop()]);
    },
    { timeout: 60_000 },
  );

  it('producer and worker process through the proxy: every image exactly once', async (t) => {
    proxy.setRate(0.1);
    // The producer lists the prefix through the proxy too.
    const flaky = createStorage({
      region: s3.region,
      forcePathStyle: true,
      credentials: s3.credentials,
      endpoint: proxy.endpoint,
      maxAttempts: 4,
      requestTimeoutMs: 1_000,
    });
    await enqueueRun(
      {
        sources: [`s3://${BUCKET}/photos/`],
        labels: ['a dog', 'a bird', 'a boat'],
        output: `s3://${BUCKET}/results/`,
        chunkSize: 7,
        attempts: 10,
        runId: 'flaky',
      },
      { redisUrl: redis.url, prefix: PREFIX, storage: flaky },
    );
    flaky.close();
    const worker = spawnWorker(redis.url, PREFIX, [], {
      ZEROSHOT_S3_ENDPOINT: proxy.endpoint,
      AWS_REGION: s3.region,
      ZEROSHOT_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      ZEROSHOT_S3_MAX_ATTEMPTS: '3',
      // Shorter than a 'slow' fault: those requests time out and are retried.
      ZEROSHOT_S3_TIMEOUT_MS: '1000',
    });
    procs.push(worker);
    const summaryUri = `s3://${BUCKET}/results/flaky/_SUMMARY.json`;
    const deadline = Date.now() + 140_000;
    while (!(await direct.head(summaryUri))) {
      assert.ok(Date.now() < deadline, `no _SUMMARY.json in S3:\n${worker.output().slice(-3000)}`);
      assert.ok(worker.child.exitCode === null, `the worker died:\n${worker.output().slice(-3000)}`);
      await sleep(250);
    }
    proxy.setRate(0);
    await stopWorker(worker);
    const { faults } = proxy.stats;
    t.diagnostic(`${proxy.stats.requests} requests, faults ${JSON.stringify(faults)}`);
    assert.ok(faults['5xx'] > 0 && faults.slow > 0 && faults.reset > 0, 'every kind of fault was injected');

    const summary = JSON.parse((await direct.get(summaryUri)).body.toString('utf8'));
    const lines: Array<{ image: string; labels?: unknown; error?: unknown }> = [];
    for await (const o of direct.list(`s3://${BUCKET}/results/flaky/`)) {
      if (!/part-\d{6}\.jsonl$/.test(o.uri)) continue;
      const body = (await direct.get(o.uri)).body.toString('utf8');
      for (const l of body.split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    }
    const counts = countByImage(lines);
    for (const uri of images) assert.equal(counts.get(uri), 1, `${uri} appears exactly once`);
    assert.equal(lines.length, images.length);
    const errors = lines.filter((l) => !l.labels);
    assert.deepEqual(errors, [], 'no image became an error line because of a transient fault');
    assert.deepEqual(summary.counts, { images: images.length, ok: images.length, failed: 0, missing: 0 });
    assert.deepEqual(summary.chunks.failed, []);
  });
});
