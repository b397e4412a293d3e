import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { jobIds, QUEUES } from '../../src/jobs/index.js';
import { spawnWorker, waitFor, workerProcessSuite } from '../support/worker-process.js';
import {
  copySampleImages,
  countByImage,
  createRunDirect,
  openQueue,
  readParts,
  waitForSummary,
} from './helpers.js';

const PREFIX = '{zsproc}';

const partsOf = (out: string, runId: string) =>
  existsSync(path.join(out, runId))
    ? readdirSync(path.join(out, runId)).filter((f) => f.startsWith('part-'))
    : [];

describe('zeroshot worker as a process: signals, crashes and start-up failures', { timeout: 150_000 }, () => {
  const suite = workerProcessSuite('worker-proc');
  let images: string[];

  before(
    async () => {
      // 4 copies of the 49 photos under distinct names: enough chunks to catch a worker mid-run.
      images = copySampleImages(suite.dir, 4);
    },
    { timeout: 60_000 },
  );

  it('exits with status 3 and a clear message when the model cannot load, before taking any job', async () => {
    await createRunDirect({
      runId: 'nomodel',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${suite.dir}/out/`,
      images: images.slice(0, 4),
    });
    const p = spawnWorker(suite.redis.url, PREFIX, ['--model', path.join(suite.dir, 'no-such-model')]);
    suite.procs.push(p);
    const { code } = await p.exited;
    assert.equal(code, 3, p.output());
    assert.match(p.output(), /cannot load the model \(MODEL_[A-Z_]+\)/);
    assert.match(p.output(), /No job was taken/);
    const q = openQueue(suite.redis.url, PREFIX);
    assert.equal(await (await q.getJob(jobIds.chunk('nomodel', 0)))!.getState(), 'waiting');
    await q.obliterate({ force: true });
    await q.close();
    const runs = openQueue(suite.redis.url, PREFIX, QUEUES.runs);
    await runs.obliterate({ force: true });
    await runs.close();
  });

  it('SIGTERM: stops taking jobs, finishes the active ones, exits 0; another worker finishes the run', async () => {
    const out = path.join(suite.dir, 'out-term');
    await createRunDirect({
      runId: 'term',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 7,
    });
    const a = spawnWorker(suite.redis.url, PREFIX, ['--shutdown-timeout-ms', '20000']);
    suite.procs.push(a);
    await waitFor('a first part', () => partsOf(out, 'term').length >= 1, 30_000, 20);
    a.child.kill('SIGTERM');
    const { code } = await a.exited;
    assert.equal(code, 0, a.output());
    assert.match(a.output(), /draining/);
    const written = partsOf(out, 'term').length;
    assert.ok(written < 28, `the worker stopped taking jobs (${written} of 28 parts written)`);
    const q = openQueue(suite.redis.url, PREFIX);
    const counts = await q.getJobCounts('active', 'waiting');
    await q.close();
    assert.equal(counts.active, 0, 'nothing left active: drained, not abandoned');

    const b = spawnWorker(suite.redis.url, PREFIX);
    suite.procs.push(b);
    const summary = await waitForSummary(out, 'term', 45_000);
    b.child.kill('SIGTERM');
    assert.equal((await b.exited).code, 0);
    const { lines } = readParts(out, 'term');
    assert.equal(lines.length, images.length);
    assert.equal(countByImage(lines).size, images.length);
    assert.deepEqual(summary.counts, { images: images.length, ok: images.length, failed: 0, missing: 0 });
  });

  it('SIGKILL mid-run: a second worker recovers the stalled jobs; output stays exactly once per image', async () => {
    const out = path.join(suite.dir, 'out-kill');
    await createRunDirect({
      runId: 'kill',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 7,
    });
    const fast = ['--lock-duration-ms', '1500', '--stalled-interval-ms', '300'];
    const a = spawnWorker(suite.redis.url, PREFIX, fast);
    suite.procs.push(a);
    await waitFor('a first part', () => partsOf(out, 'kill').length >= 2, 30_000, 20);
    a.child.kill('SIGKILL');
    await a.exited;
    const q = openQueue(suite.redis.url, PREFIX);
    const activeAtKill = (await q.getJobCounts('active')).active ?? 0;
    assert.ok(activeAtKill >= 1, 'the killed worker held jobs: they must come back through stall recovery');

    const b = spawnWorker(suite.redis.url, PREFIX, fast);
    suite.procs.push(b);
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
