import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { spawnWorker, stopWorker, waitFor, workerProcessSuite } from '../support/worker-process.js';
import {
  copySampleImages,
  countByImage,
  createRunDirect,
  readParts,
  sleep,
  waitForSummary,
} from '../worker/helpers.js';

const PREFIX = '{zskill}';
const COPIES = 40; // 40 × 49 photos = 1960 images, 196 chunks of 10
const KILLS = 5;
// Fast stall recovery, and enough recoveries allowed that a chunk caught by several kills still completes.
const FAST = ['--lock-duration-ms', '2000', '--stalled-interval-ms', '1000', '--max-stalled-count', '50'];

/** Deterministic jitter so a failure can be replayed. */
function jitter(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('fault: kill -9 a worker repeatedly while another keeps going', { timeout: 180_000 }, () => {
  const suite = workerProcessSuite('fault-kill');
  const images: string[] = [];

  before(
    async () => {
      images.push(...copySampleImages(suite.dir, COPIES));
    },
    { timeout: 60_000 },
  );

  it(`${KILLS}+ SIGKILLs at random moments: the run completes with every image exactly once`, async (t) => {
    const out = path.join(suite.dir, 'out');
    await createRunDirect({
      runId: 'killed',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 10,
      attempts: 10,
      backoffMs: 100,
    });
    // One job at a time on the steady worker keeps the run long enough for the kills.
    const steady = spawnWorker(suite.redis.url, PREFIX, [...FAST, '--concurrency', '1', '--batch-size', '2']);
    suite.procs.push(steady);
    let victim = spawnWorker(suite.redis.url, PREFIX, FAST);
    suite.procs.push(victim);
    const done = () => existsSync(path.join(out, 'killed', '_SUMMARY.json'));
    const rand = jitter(20261128);
    let kills = 0;
    while (!done() && kills < KILLS * 2) {
      // Kill once it consumes jobs (not while it loads the model), a random moment into its work.
      await waitFor('the victim to be ready', () => done() || /worker ready/.test(victim.output()), 30_000);
      await sleep(100 + Math.floor(rand() * 800));
      if (done()) break;
      victim.child.kill('SIGKILL');
      await victim.exited;
      kills++;
      victim = spawnWorker(suite.redis.url, PREFIX, FAST);
      suite.procs.push(victim);
    }
    const summary = await waitForSummary(out, 'killed', 120_000);
    await Promise.all([stopWorker(steady), stopWorker(victim)]);

    const stalls = suite.procs.reduce(
      (n, p) => n + (p.output().match(/stalled job handed back/g)?.length ?? 0),
      0,
    );
    t.diagnostic(`${kills} kills, ${stalls} stalled jobs recovered`);
    assert.ok(stalls >= 1, 'some kills caught the victim holding jobs, recovered through stall detection');
    assert.ok(kills >= KILLS, `only ${kills} kills happened before the run completed`);
    assert.ok(steady.child.exitCode === 0, `the steady worker stayed up:\n${steady.output().slice(-2000)}`);
    const { lines } = readParts(out, 'killed');
    const counts = countByImage(lines);
    for (const uri of images) assert.equal(counts.get(uri), 1, `${uri} appears exactly once`);
    assert.equal(lines.length, images.length, `no extra lines (${kills} kills)`);
    assert.ok(
      lines.every((l) => l.labels),
      'no image became an error line',
    );
    assert.deepEqual(summary.counts, { images: images.length, ok: images.length, failed: 0, missing: 0 });
    assert.deepEqual(summary.chunks.failed, []);
  });
});
