import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { listRuns } from '../../src/producer/index.js';
import { freePort } from '../support/ports.js';
import {
  isRunning,
  spawnCli,
  spawnWorker,
  stopWorker,
  waitFor,
  workerProcessSuite,
} from '../support/worker-process.js';
import { createRunDirect, samplePhotos, waitForSummary } from '../worker/helpers.js';

const PREFIX = '{zs2workers}';

describe('fault: two workers on one host with the same metrics port', { timeout: 120_000 }, () => {
  const suite = workerProcessSuite('fault-two-workers');

  it('the second warns once and keeps working without /metrics; the first keeps serving it', async () => {
    const port = await freePort();
    const metrics = ['--metrics-port', String(port)];
    const first = spawnWorker(suite.redis.url, PREFIX, metrics);
    suite.procs.push(first);
    await waitFor('the first worker to be ready', () => /worker ready/.test(first.output()), 60_000);
    const second = spawnWorker(suite.redis.url, PREFIX, metrics);
    suite.procs.push(second);
    await waitFor('the second worker to be ready', () => /worker ready/.test(second.output()), 60_000);
    assert.ok(isRunning(second), second.output());
    const warnings = second.output().match(/already in use.*runs WITHOUT \/metrics/g) ?? [];
    assert.equal(warnings.length, 1, second.output());
    assert.match(second.output(), /ZEROSHOT_METRICS_PORT/);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /zeroshot_model_info/);

    // Only the second one left: it does the work.
    await stopWorker(first);
    const out = path.join(suite.dir, 'out');
    const images = samplePhotos().slice(0, 6);
    await createRunDirect({
      runId: 'second',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 3,
    });
    const summary = await waitForSummary(out, 'second', 60_000);
    assert.deepEqual(summary.counts, { images: 6, ok: 6, failed: 0, missing: 0 });
    assert.match(second.output(), /chunk written/);
    await stopWorker(second);
  });

  it("`zeroshot worker --scheduler true` fires schedules (the CLI composes the producer's consumer)", async () => {
    const prefix = '{zsfire}';
    const env = { REDIS_URL: suite.redis.url, ZEROSHOT_QUEUE_PREFIX: prefix };
    const images = path.dirname(new URL(samplePhotos()[0]!).pathname);
    const add = spawnCli(
      [
        'schedule',
        'add',
        'often',
        images,
        '--every',
        '1s',
        '--allow-sub-minute',
        '--labels',
        'cat,dog',
        '--output',
        path.join(suite.dir, 'out-s'),
      ],
      env,
    );
    assert.equal((await add.exited).code, 0, add.output());
    const worker = spawnWorker(suite.redis.url, prefix, ['--scheduler', 'true']);
    suite.procs.push(worker);
    const deps = { redisUrl: suite.redis.url, prefix };
    await waitFor('a firing to create a run', async () => (await listRuns({}, deps)).length >= 1, 60_000);
    assert.match((await listRuns({}, deps))[0]?.runId ?? '', /often/);
    await stopWorker(worker);
  });
});
