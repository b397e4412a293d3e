import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { jobIds } from '../../src/jobs/index.js';
import {
  countByImage,
  createRunDirect,
  openQueue,
  readParts,
  removeDir,
  sleep,
  tempDir,
  waitForSummary,
} from '../worker/helpers.js';
import { s3FaultSuite } from '../worker/s3-fault-suite.js';

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
  const suite = s3FaultSuite({
    bucket: BUCKET,
    prefix: PREFIX,
    faults: ['5xx'],
    seed: 5,
    flaky: { maxAttempts: 2, retryBaseDelayMs: 20 },
    worker: { progressIntervalMs: 0 },
  });
  let dir: string;
  const images: string[] = [];

  before(
    async () => {
      dir = tempDir('outage');
      mkdirSync(path.join(dir, 'src'));
      for (let i = 0; i < 6; i++) {
        const png = await sharp({
          create: { width: 20, height: 20, channels: 3, background: { r: i * 30, g: 0, b: 0 } },
        })
          .png()
          .toBuffer();
        const uri = `file://${path.join(dir, 'src', `img-${i}.png`)}`;
        await suite.direct.put(uri, png);
        images.push(uri);
      }
    },
    { timeout: 60_000 },
  );
  after(() => removeDir(dir));

  /** Waits until the chunk has scored every image (so it is at its write), then for `ms` more. */
  async function holdOutage(runId: string, ms: number) {
    const queue = openQueue(suite.redis.url, PREFIX);
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
    const queue = openQueue(suite.redis.url, PREFIX);
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
        redisUrl: suite.redis.url,
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
    suite.proxy.setKeyFault('results/', { kind: 'status', status: 503, code: 'SlowDown' });
    try {
      await createRunDirect({
        runId: 's3-503',
        redisUrl: suite.redis.url,
        prefix: PREFIX,
        output: `s3://${BUCKET}/results/`,
        images,
      });
      await holdOutage('s3-503', OUTAGE_MS);
      assert.ok((suite.proxy.stats.keyRequests['results/'] ?? 0) >= 2, 'writes were refused several times');
    } finally {
      suite.proxy.setKeyFault('results/', undefined);
    }
    const summaryUri = `s3://${BUCKET}/results/s3-503/_SUMMARY.json`;
    for (let i = 0; i < 600 && !(await suite.direct.head(summaryUri)); i++) await sleep(100);
    const summary = JSON.parse((await suite.direct.get(summaryUri)).body.toString());
    assert.deepEqual(summary.counts, { images: 6, ok: 6, failed: 0, missing: 0 });
    assert.equal(await attemptsStarted('s3-503'), 1, 'waited out inside the first attempt');
  });
});
