import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import type { RunningWorker } from '../../src/worker/index.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { spawnWorker, waitFor, workerProcessSuite } from '../support/worker-process.js';
import { createRunDirect, readParts, sleep, startTestWorker, waitForSummary } from '../worker/helpers.js';

const PREFIX = '{zsfence}';
const BUCKET = 'zeroshot-fence';

/**
 * Issue 8, "fencing": a worker paused past its job lock (SIGSTOP, like a long GC pause or a frozen VM) while
 * its chunk is re-processed elsewhere and the run finalized must write nothing when it wakes up.
 */
describe('fault: a worker paused past its lock writes nothing after waking', { timeout: 150_000 }, () => {
  const suite = workerProcessSuite('fence');
  let s3: S3ServerHandle;
  let proxy: S3FaultProxy;
  let direct: Storage;
  let rescuer: RunningWorker | undefined;
  const images: string[] = [];

  before(
    async () => {
      s3 = await startS3Server([BUCKET]);
      direct = createStorage({
        region: s3.region,
        forcePathStyle: true,
        credentials: s3.credentials,
        endpoint: s3.endpoint,
      });
      for (let i = 0; i < 4; i++) {
        const uri = `s3://${BUCKET}/photos/${i === 2 ? 'slow' : `img-${i}`}.png`;
        const png = await sharp({
          create: { width: 20, height: 20, channels: 3, background: { r: 0, g: i * 50, b: 0 } },
        })
          .png()
          .toBuffer();
        await direct.put(uri, png);
        images.push(uri);
      }
      proxy = await startS3FaultProxy({ target: s3.endpoint, rate: 0, faults: ['5xx'], seed: 1 });
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      await rescuer?.close({ timeoutMs: 2_000 });
      direct?.close();
      await proxy?.stop();
      await s3?.stop();
    },
    { timeout: 60_000 },
  );

  it('the chunk is rewritten by another worker, the run finalized, and the paused one writes nothing', async () => {
    const out = path.join(suite.dir, 'out');
    proxy.setKeyFault('photos/slow', { kind: 'delay', ms: 3_000 });
    const paused = spawnWorker(suite.redis.url, PREFIX, ['--lock-duration-ms', '2000'], {
      ZEROSHOT_S3_ENDPOINT: proxy.endpoint,
      ZEROSHOT_S3_FORCE_PATH_STYLE: '1',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: s3.region,
    });
    suite.procs.push(paused);
    await createRunDirect({
      runId: 'fenced',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 4,
    });
    // The paused worker holds the chunk: its GET of the slow image is in flight. Freeze it there.
    await waitFor(
      'the first worker to fetch the slow image',
      () => (proxy.stats.keyRequests['photos/slow'] ?? 0) >= 1,
      60_000,
    );
    paused.child.kill('SIGSTOP');
    proxy.setKeyFault('photos/slow', undefined);

    // Another worker recovers the stalled chunk once the lock lapses, writes it, and the run finalizes.
    rescuer = startTestWorker({
      redisUrl: suite.redis.url,
      queuePrefix: PREFIX,
      storage: direct,
      lockDurationMs: 2_000,
      stalledIntervalMs: 500,
    });
    await rescuer.ready;
    const summary = await waitForSummary(out, 'fenced', 60_000);
    assert.deepEqual(summary.counts, { images: 4, ok: 4, failed: 0, missing: 0 });
    await rescuer.close({ timeoutMs: 2_000 });
    rescuer = undefined;
    const runDir = path.join(out, 'fenced');
    const before = readdirSync(runDir).map((f) => [f, statSync(path.join(runDir, f)).ino] as const);

    // Wake the paused worker: it finishes its images, then finds it no longer owns the chunk.
    paused.child.kill('SIGCONT');
    await waitFor(
      'the woken worker to notice',
      () => /chunk fenced: nothing written/.test(paused.output()),
      30_000,
    );
    await sleep(500);
    const after = readdirSync(runDir).map((f) => [f, statSync(path.join(runDir, f)).ino] as const);
    assert.deepEqual(after, before, 'no file of the run was written or replaced after _SUMMARY.json');
    assert.equal(readParts(out, 'fenced').lines.length, 4);
    assert.match(paused.output(), /lock has lapsed/);
  });
});
