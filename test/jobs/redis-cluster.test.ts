import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createRedis, isClusterMode } from '../../src/jobs/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { enqueueRun, getRunStatus, pruneRuns } from '../../src/producer/index.js';
import { type RunningWorker, startWorker } from '../../src/worker/index.js';
import { PHOTO_CORPUS_SIZE, photoCorpusDir, TINY_MODEL_DIR } from '../support/fixtures.js';
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster.js';
import { removeDir, tempDir, waitForSummary } from '../worker/helpers.js';

describe('Redis Cluster (ZEROSHOT_REDIS_CLUSTER=1): a whole run through producer and worker', {
  timeout: 150_000,
}, () => {
  let cluster: RedisClusterHandle;
  let worker: RunningWorker;
  let dir: string;
  let seed: string;
  const env = { ZEROSHOT_REDIS_CLUSTER: '1' };

  before(
    async () => {
      cluster = await startRedisCluster();
      // Seed through a node that does not own the {zeroshot} slot: only a real cluster client works there.
      seed = cluster.urlNotOwning('{zeroshot}');
      dir = tempDir('cluster-run');
      worker = startWorker({
        env,
        model: TINY_MODEL_DIR,
        providers: ['cpu'],
        redisUrl: seed,
        concurrency: 2,
        batchSize: 8,
        metricsPort: 0,
        scheduler: false,
        queueExporter: false,
        finalizeRetryMs: 200,
        registry: new Registry(),
        logger: createLogger({}, { ZEROSHOT_LOG_LEVEL: process.env.ZEROSHOT_LOG_LEVEL ?? 'silent' }),
      });
      await worker.ready;
    },
    { timeout: 90_000 },
  );

  after(
    async () => {
      await worker?.close({ timeoutMs: 5_000 });
      await cluster?.stop();
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  it('connects through a seed node as a cluster client', async () => {
    assert.equal(isClusterMode(env), true);
    const plain = createRedis(seed, { env: {} });
    try {
      await assert.rejects(plain.set('{zeroshot}:probe', '1'), /MOVED/);
    } finally {
      plain.disconnect();
    }
    const redis = createRedis(seed, { env });
    try {
      assert.match(String(await redis.cluster('INFO')), /cluster_state:ok/);
      await redis.set('{zeroshot}:probe', '1');
      assert.equal(await redis.get('{zeroshot}:probe'), '1');
    } finally {
      redis.disconnect();
    }
  });

  it('labels the photo corpus exactly once with every key in the {zeroshot} slot', async () => {
    const deps = { redisUrl: seed, env };
    const res = await enqueueRun(
      {
        sources: [`file://${photoCorpusDir()}/`],
        labels: ['a fish', 'a dog', 'a bird'],
        output: `file://${dir}/`,
        chunkSize: 16,
        runId: 'cluster-run',
      },
      deps,
    );
    assert.equal(res.images, PHOTO_CORPUS_SIZE);
    const summary = await waitForSummary(dir, 'cluster-run', 90_000);
    assert.equal(summary.counts.images, PHOTO_CORPUS_SIZE);
    assert.equal(summary.counts.ok, PHOTO_CORPUS_SIZE);
    const lines = readdirSync(path.join(dir, 'cluster-run'))
      .filter((f) => f.startsWith('part-'))
      .flatMap((f) =>
        readFileSync(path.join(dir, 'cluster-run', f), 'utf8')
          .trim()
          .split('\n'),
      )
      .map((l) => JSON.parse(l) as { image: string });
    assert.equal(new Set(lines.map((l) => l.image)).size, PHOTO_CORPUS_SIZE);
    assert.equal(lines.length, PHOTO_CORPUS_SIZE);
    const status = await getRunStatus('cluster-run', deps);
    assert.equal(status.state, 'completed');
    // Retention and prune work through the cluster client too (SCAN on every master).
    const report = await pruneRuns({ olderThanMs: 0 }, deps);
    assert.equal(report.runs, 1);
    await assert.rejects(getRunStatus('cluster-run', deps), /no run with id "cluster-run"/);
  });
});
