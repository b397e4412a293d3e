import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { jobIds } from '../../src/jobs/index.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import type { RunningWorker } from '../../src/worker/index.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import {
  countByImage,
  createRunDirect,
  openQueue,
  readParts,
  removeDir,
  sleep,
  startTestWorker,
  tempDir,
  waitForSummary,
} from '../worker/helpers.js';

const PREFIX = '{zsoutage}';
const BUCKET = 'zeroshot-outage';
const OUTAGE_MS = 6_000;

/**
 * Makes a directory unwritable, even for root: chmod for other users, the immutable attribute for root
 * (ext4/xfs). Returns the undo, or undefined where neither is possible.
 */
function makeUnwritable(dir: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o500);
    return () => chmodSync(dir, 0o755);
  }
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
}

/** Issue 8, "outages are waited out": an output that refuses writes for a while costs nothing but time. */
describe('fault: the output refuses writes for a while, then recovers', { timeout: 120_000 }, () => {
  let redis: RedisServerHandle;
  let s3: S3ServerHandle;
  let proxy: S3FaultProxy;
  let direct: Storage;
  let flaky: Storage;
  let worker: RunningWorker;
  let dir: string;
  const images: string[] = [];

  before(
    async () => {
      [redis, s3] = await Promise.all([startRedisServer(), startS3Server([BUCKET])]);
      const base = { region: s3.region, forcePathStyle: true, credentials: s3.credentials };
      direct = createStorage({ ...base, endpoint: s3.endpoint });
      proxy = await startS3FaultProxy({ target: s3.endpoint, rate: 0, faults: ['5xx'], seed: 5 });
      flaky = createStorage({ ...base, endpoint: proxy.endpoint, maxAttempts: 2, retryBaseDelayMs: 20 });
      dir = tempDir('outage');
      mkdirSync(path.join(dir, 'src'));
      for (let i = 0; i < 6; i++) {
        const png = await sharp({
          create: { width: 20, height: 20, channels: 3, background: { r: i * 30, g: 0, b: 0 } },
        })
          .png()
          .toBuffer();
        const uri = `file://${path.join(dir, 'src', `img-${i}.png`)}`;
        await direct.put(uri, png);
        images.push(uri);
      }
      worker = startTestWorker({
        redisUrl: redis.url,
        queuePrefix: PREFIX,
        storage: flaky,
        progressIntervalMs: 0,
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
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  /** Waits until the chunk has scored every image (so it is at its write), then for `ms` more. */
  async function holdOutage(runId: string, ms: number) {
    const queue = openQueue(redis.url, PREFIX);
    try {
      for (let i = 0; i < 600; i++) {
        const progress = (await queue.getJob(jobIds.chunk(runId, 0)))?.progress as
          | { done?: number }
          | undefined;
        if (progress?.done === images.length) break;
        await sleep(50);
      }
      await sleep(ms);
    } finally {
      await queue.close();
    }
  }

  async function attemptsStarted(runId: string) {
    const queue = openQueue(redis.url, PREFIX);
    const job = await queue.getJob(jobIds.chunk(runId, 0));
    await queue.close();
    return job?.attemptsStarted;
  }

  it('a file output refusing writes (EPERM/EACCES) is waited out: the run completes, first attempt', async (t) => {
    const out = path.join(dir, 'out');
    mkdirSync(out);
    const undo = makeUnwritable(out);
    if (!undo) return t.skip('cannot make a directory unwritable here (root without chattr support)');
    try {
      await createRunDirect({
        runId: 'eperm',
        redisUrl: redis.url,
        prefix: PREFIX,
        output: `file://${out}/`,
        images,
      });
      await holdOutage('eperm', OUTAGE_MS);
    } finally {
      undo();
    }
    const summary = await waitForSummary(out, 'eperm', 60_000);
    assert.deepEqual(summary.counts, { images: 6, ok: 6, failed: 0, missing: 0 });
    assert.equal(countByImage(readParts(out, 'eperm').lines).size, 6);
    assert.equal(await attemptsStarted('eperm'), 1, 'waited out inside the first attempt');
  });

  it('S3 answering 503 to every write is waited out: the run completes, first attempt', async () => {
    proxy.setKeyFault('results/', { kind: 'status', status: 503, code: 'SlowDown' });
    try {
      await createRunDirect({
        runId: 's3-503',
        redisUrl: redis.url,
        prefix: PREFIX,
        output: `s3://${BUCKET}/results/`,
        images,
      });
      await holdOutage('s3-503', OUTAGE_MS);
      assert.ok((proxy.stats.keyRequests['results/'] ?? 0) >= 2, 'writes were refused several times');
    } finally {
      proxy.setKeyFault('results/', undefined);
    }
    const summaryUri = `s3://${BUCKET}/results/s3-503/_SUMMARY.json`;
    for (let i = 0; i < 600 && !(await direct.head(summaryUri)); i++) await sleep(100);
    const summary = JSON.parse((await direct.get(summaryUri)).body.toString());
    assert.deepEqual(summary.counts, { images: 6, ok: 6, failed: 0, missing: 0 });
    assert.equal(await attemptsStarted('s3-503'), 1, 'waited out inside the first attempt');
  });
});
