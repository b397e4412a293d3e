import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { UsageError } from '../../src/core/errors/index.js';
import { jobIds, QUEUES } from '../../src/jobs/index.js';
import { enqueueRun } from '../../src/producer/index.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { keysUnder } from './fixtures.js';

const BUCKET = 'zeroshot-producer';

describe('S3 sources: prefix listings and manifests', () => {
  let server: RedisServerHandle;
  let s3: S3ServerHandle;
  let redis: Redis;
  let storage: Storage;
  let n = 0;
  const deps = () => ({ redisUrl: server.url, prefix: `{zs3-${++n}}`, storage });
  const imagesOf = async (prefix: string, runId: string, index = 0) => {
    const chunks = new Queue(QUEUES.chunks, { connection: redis, prefix });
    const job = await Job.fromId(chunks, jobIds.chunk(runId, index));
    await chunks.close();
    return job?.data.images as Array<{ uri: string; etag?: string }>;
  };

  before(async () => {
    [server, s3] = await Promise.all([startRedisServer(), startS3Server([BUCKET])]);
    redis = new Redis(server.url);
    storage = createStorage({
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      region: s3.region,
      forcePathStyle: true,
    });
    const keys = [
      'photos/a.jpg',
      'photos/b.png',
      'photos/deep/c.webp',
      'photos/deep/skip.txt',
      'other/d.jpg',
    ];
    for (const k of keys) await storage.put(`s3://${BUCKET}/${k}`, `bytes of ${k}`);
    const u = (k: string) => `s3://${BUCKET}/${k}`;
    await storage.put(
      u('lists/m.jsonl'),
      `${JSON.stringify({ uri: u('photos/a.jpg') })}\n${JSON.stringify({ uri: u('other/d.jpg') })}\n`,
    );
    await storage.put(
      u('lists/m.csv'),
      `uri,label\n${u('photos/b.png')},x\n"${u('photos/deep/c.webp')}",y\n`,
    );
    await storage.put(u('lists/bad.csv'), `uri\n${u('photos/a.jpg')}\n/etc/passwd\n`);
  });
  after(async () => {
    redis.disconnect();
    storage.close();
    await Promise.all([server.stop(), s3.stop()]);
  });

  it('lists an S3 prefix recursively with ETags, filtered by extension and globs', async () => {
    const d = deps();
    const res = await enqueueRun(
      { sources: [`s3://${BUCKET}/photos/`], labels: ['a'], output: `s3://${BUCKET}/results`, runId: 's3a' },
      d,
    );
    assert.equal(res.images, 3);
    const imgs = await imagesOf(d.prefix, 's3a');
    assert.deepEqual(
      imgs.map((i) => i.uri),
      ['photos/a.jpg', 'photos/b.png', 'photos/deep/c.webp'].map((k) => `s3://${BUCKET}/${k}`),
    );
    assert.ok(imgs.every((i) => typeof i.etag === 'string' && i.etag.length > 0 && !i.etag.includes('"')));
    const filtered = await enqueueRun(
      {
        sources: [`s3://${BUCKET}/photos/`],
        labels: ['a'],
        output: `s3://${BUCKET}/results/`,
        runId: 's3b',
        exclude: ['deep/**'],
      },
      d,
    );
    assert.equal(filtered.images, 2);
    const spec = JSON.parse((await redis.hget(`${d.prefix}:run:s3b`, 'spec')) as string);
    assert.equal(spec.output, `s3://${BUCKET}/results/`);
  });

  it('reads JSONL and CSV manifests stored in S3', async () => {
    const d = deps();
    await enqueueRun(
      { manifest: `s3://${BUCKET}/lists/m.jsonl`, labels: ['a'], output: `s3://${BUCKET}/r/`, runId: 'mj' },
      d,
    );
    assert.deepEqual(
      (await imagesOf(d.prefix, 'mj')).map((i) => i.uri),
      [`s3://${BUCKET}/photos/a.jpg`, `s3://${BUCKET}/other/d.jpg`],
    );
    await enqueueRun(
      { manifest: `s3://${BUCKET}/lists/m.csv`, labels: ['a'], output: `s3://${BUCKET}/r/`, runId: 'mc' },
      d,
    );
    assert.deepEqual(
      (await imagesOf(d.prefix, 'mc')).map((i) => i.uri),
      [`s3://${BUCKET}/photos/b.png`, `s3://${BUCKET}/photos/deep/c.webp`],
    );
  });

  it('rejects a manifest with a bad line before anything is enqueued', async () => {
    const d = deps();
    await assert.rejects(
      enqueueRun({ manifest: `s3://${BUCKET}/lists/bad.csv`, labels: ['a'], output: `s3://${BUCKET}/r/` }, d),
      (err: Error) => err instanceof UsageError && /line 3: .*file:\/\/\/abs\/path|line 3/.test(err.message),
    );
    await assert.rejects(
      enqueueRun({ sources: [`s3://${BUCKET}/photos/`], labels: ['a'], output: 's3://no-such-bucket/r/' }, d),
      (err: Error) => err instanceof UsageError && /--output s3:\/\/no-such-bucket\/r\/: /.test(err.message),
    );
    await assert.rejects(
      enqueueRun(
        { manifest: `s3://${BUCKET}/lists/none.jsonl`, labels: ['a'], output: `s3://${BUCKET}/r/` },
        d,
      ),
      (err: Error & { code?: string }) => err.code === 'STORAGE_NOT_FOUND',
    );
    assert.deepEqual(await keysUnder(redis, d.prefix), []);
  });
});
