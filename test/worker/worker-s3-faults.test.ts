import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enqueueRun } from '../../src/producer/index.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import type { RunningWorker } from '../../src/worker/index.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { countByImage, samplePhotos, sleep, startTestWorker } from './helpers.js';

const PREFIX = '{zsfault}';
const BUCKET = 'zeroshot-faults';

describe('worker: S3 failing 20 % of requests (5xx, connection resets)', { timeout: 150_000 }, () => {
  let redis: RedisServerHandle;
  let s3: S3ServerHandle;
  let proxy: S3FaultProxy;
  let direct: Storage;
  let flaky: Storage;
  let worker: RunningWorker;

  before(
    async () => {
      [redis, s3] = await Promise.all([startRedisServer(), startS3Server([BUCKET])]);
      const base = { region: s3.region, forcePathStyle: true, credentials: s3.credentials };
      direct = createStorage({ ...base, endpoint: s3.endpoint });
      await Promise.all(
        samplePhotos().map((uri) =>
          direct.put(`s3://${BUCKET}/photos/${path.basename(uri)}`, readFileSync(new URL(uri))),
        ),
      );
      proxy = await startS3FaultProxy({ target: s3.endpoint, rate: 0, faults: ['5xx', 'reset'], seed: 7 });
      // Two attempts per request: some faults outlast the storage retries and fail the job, which BullMQ retries.
      flaky = createStorage({ ...base, endpoint: proxy.endpoint, maxAttempts: 2, requestTimeoutMs: 5_000 });
      worker = startTestWorker({
        redisUrl: redis.url,
        queuePrefix: PREFIX,
        storage: flaky,
      });
      await worker.ready;
    },
    { timeout: 60_000 },
  );

  after(
    async () => {
      await worker?.close({ timeoutMs: 5_000 });
      direct?.close();
      flaky?.close();
      await proxy?.stop();
      await Promise.all([redis?.stop(), s3?.stop()]);
    },
    { timeout: 60_000 },
  );

  it('retries what failed and still writes every image exactly once', async () => {
    await enqueueRun(
      {
        sources: [`s3://${BUCKET}/photos/`],
        labels: ['a dog', 'a bird', 'a boat'],
        output: `s3://${BUCKET}/results/`,
        chunkSize: 7,
        attempts: 8,
        runId: 'faulty',
      },
      { redisUrl: redis.url, prefix: PREFIX, storage: direct },
    );
    proxy.setRate(0.2);
    const summaryUri = `s3://${BUCKET}/results/faulty/_SUMMARY.json`;
    const deadline = Date.now() + 50_000;
    while (!(await direct.head(summaryUri))) {
      assert.ok(Date.now() < deadline, 'no _SUMMARY.json in S3');
      await sleep(200);
    }
    proxy.setRate(0);
    const faults = proxy.stats.faults['5xx'] + proxy.stats.faults.reset;
    assert.ok(faults > 0, 'faults were injected');
    const summary = JSON.parse((await direct.get(summaryUri)).body.toString('utf8'));
    const lines: Array<{ image: string; labels?: unknown }> = [];
    for await (const o of direct.list(`s3://${BUCKET}/results/faulty/`)) {
      if (!/part-\d{6}\.jsonl$/.test(o.uri)) continue;
      const body = (await direct.get(o.uri)).body.toString('utf8');
      for (const l of body.split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    }
    assert.equal(lines.length, 49, `${faults} faults injected`);
    const counts = countByImage(lines);
    assert.equal(counts.size, 49);
    assert.ok(
      lines.every((l) => l.labels),
      'no image ended as an error line because of a transient fault',
    );
    assert.deepEqual(summary.counts, { images: 49, ok: 49, failed: 0, missing: 0 });
    assert.deepEqual(summary.chunks.failed, []);
  });
});
