import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jobIds, QUEUES } from '../../src/jobs/index.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { killAll, spawnWorker, type WorkerProc, waitFor } from '../support/worker-process.js';
import {
  copySampleImages,
  countByImage,
  createRunDirect,
  openQueue,
  readParts,
  removeDir,
  tempDir,
  waitForSummary,
} from './helpers.js';

const PREFIX = '{zsproc}';

const partsOf = (out: string, runId: string) =>
  existsSync(path.join(out, runId))
    ? readdirSync(path.join(out, runId)).filter((f) => f.startsWith('part-'))
    : [];

describe('zeroshot worker as a process: signals, crashes and start-up failures', { timeout: 150_000 }, () => {
  let redis: RedisServerHandle;
  let dir: string;
  let images: string[];
  const procs: WorkerProc[] = [];

  before(
    async () => {
      redis = await startRedisServer();
      dir = tempDir('worker-proc');
      // 4 copies of the 49 photos under distinct names: enough chunks to catch a worker mid-run.
      images = copySampleImages(dir, 4);
    },
    { timeout: 60_000 },
  );

  after(
    async () => {
      await killAll(procs);
      await redis?.stop();
      removeDir(dir);
    },
    { timeout: 60_000 },
  );

  it('exits with status 3 and a clear message when the model cannot load, before taking any job', async () => {
    await createRunDirect({
      runId: 'nomodel',
      redisUrl: redis.url,
      prefix: PREFIX,
      output: `file://${dir}/out/`,
      images: images.slice(0, 4),
    });
    const p = spawnWorker(redis.url, PREFIX, ['--model', path.join(dir, 'no-such-model')]);
    procs.push(p);
    const { code } = await p.exited;
    assert.equal(code, 3, p.output());
    assert.match(p.output(), /cannot load the model \(MODEL_[A-Z_]+\)/);
    assert.match(p.output(), /No job was taken/);
    const q = openQueue(redis.url, PREFIX);
    assert.equal(await (await q.getJob(jobIds.chunk('nomodel', 0)))!.getState(), 'waiting');
    await q.obliterate({ force: true });
    await q.close();
    const runs = openQueue(redis.url, PREFIX, QUEUES.runs);
    await runs.obliterate({ force: true });
    await runs.close();
  });

  it('SIGTERM: stops taking jobs, finishes the active ones, exits 0; another worker finishes the run', async () => {
    const out = path.join(dir, 'out-term');
    await createRunDirect({
      runId: 'term',
      redisUrl: redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 7,
    });
    const a = spawnWorker(redis.url, PREFIX, ['--shutdown-timeout-ms', '20000']);
    procs.push(a);
    await waitFor('a first part', () => partsOf(out, 'term').length >= 1, 30_000, 20);
    a.child.kill('SIGTERM');
    const { code } = await a.exited;
    assert.equal(code, 0, a.output());
    assert.match(a.output(), /draining/);
    const written = partsOf(out, 'term').length;
    assert.ok(written < 28, `the worker stopped taking jobs (${written} of 28 parts written)`);
    const q = openQueue(redis.url, PREFIX);
    const counts = await q.getJobCounts('active', 'waiting');
    await q.close();
    assert.equal(counts.active, 0, 'nothing left active: drained, not abandoned');

    const b = spawnWorker(redis.url, PREFIX);
    procs.push(b);
    const summary = await waitForSummary(out, 'term', 45_000);
    b.child.kill('SIGTERM');
    assert.equal((await b.exited).code, 0);
    const { lines } = readParts(out, 'term');
    assert.equal(lines.length, images.length);
    assert.equal(countByImage(lines).size, images.length);
    assert.deepEqual(summary.counts, { images: images.length, ok: images.length, failed: 0, missing: 0 });
  });

  it('SIGKILL mid-run: a second worker recovers the stalled jobs; output stays exactly once per image', async () => {
    const out = path.join(dir, 'out-kill');
    await createRunDirect({
      runId: 'kill',
      redisUrl: redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 7,
    });
    const fast = ['--lock-duration-ms', '1500', '--stalled-interval-ms', '300'];
    const a = spawnWorker(redis.url, PREFIX, fast);
    procs.push(a);
    await waitFor('a first part', () => partsOf(out, 'kill').length >= 2, 30_000, 20);
    a.child.kill('SIGKILL');
    await a.exited;
    const q = openQueue(redis.url, PREFIX);
    const activeAtKill = (await q.getJobCounts('active')).active ?? 0;
    assert.ok(activeAtKill >= 1, 'the killed worker held jobs: they must come back through stall recovery');

    const b = spawnWorker(redis.url, PREFIX, fast);
    procs.push(b);
    const summary = await waitForSummary(out, 'kill', 45_000);
    b.child.kill('SIGTERM');
    await b.exited;
    await q.close();
    const { lines } = readParts(out, 'kill');
    const counts = countByImage(lines);
    assert.equal(
      lines.length,
      images.length,
      `exactly one line per image (${activeAtKill} jobs were active at the kill)`,
    );
    for (const uri of images) assert.equal(counts.get(uri), 1, uri);
    assert.deepEqual(summary.counts, { images: images.length, ok: images.length, failed: 0, missing: 0 });
    assert.deepEqual(summary.chunks.failed, []);
  });
});
