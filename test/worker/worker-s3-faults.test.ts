import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { enqueueRun } from '../../src/producer/index.js';
import { countByImage, samplePhotos, sleep } from './helpers.js';
import { s3FaultSuite } from './s3-fault-suite.js';

const PREFIX = '{zsfault}';
const BUCKET = 'zeroshot-faults';

describe('worker: S3 failing 20 % of requests (5xx, connection resets)', { timeout: 150_000 }, () => {
  const suite = s3FaultSuite({
    bucket: BUCKET,
    prefix: PREFIX,
    faults: ['5xx', 'reset'],
    seed: 7,
    // Two attempts per request: some faults outlast the storage retries and fail the job, which BullMQ retries.
    flaky: { maxAttempts: 2, requestTimeoutMs: 5_000 },
  });

  before(
    async () => {
      await Promise.all(
        samplePhotos().map((uri) =>
          suite.direct.put(`s3://${BUCKET}/photos/${path.basename(uri)}`, readFileSync(new URL(uri))),
        ),
      );
    },
    { timeout: 60_000 },
  );

  it('retries what failed and still writes every image exactly once', async () => {
    const { redis, direct, proxy } = suite;
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
