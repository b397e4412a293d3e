import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PAYLOAD_VERSION, type RunSpec } from '../../src/jobs/index.js';
import { getRunStatus, waitForRun } from '../../src/producer/index.js';
import {
  decodeRunRecord,
  isFinal,
  packUri,
  partName,
  partUri,
  RUN_FIELD,
  RunStore,
  runDirUri,
  runSpecOf,
  summaryUri,
} from '../../src/runs/index.js';
import { redisSuite } from '../producer/fixtures.js';

const spec = (runId: string): RunSpec => ({
  v: PAYLOAD_VERSION,
  runId,
  labels: ['cat', 'dog'],
  mode: 'softmax',
  output: 'file:///tmp/out/',
  source: ['file:///tmp/in/'],
  createdAt: new Date('2026-01-02T03:04:05.000Z').toISOString(),
  incremental: false,
  storeEmbeddings: false,
  reuseEmbeddings: false,
});

describe('run record', () => {
  const suite = redisSuite();
  let runs: RunStore;

  before(() => {
    runs = new RunStore(suite.redis, '{rr}');
  });

  test('create claims the id once; counts, seal and progress read back as written', async () => {
    assert.equal(await runs.create(spec('r1'), { output: 'file:///tmp/out/' }), true);
    assert.equal(await runs.create(spec('r1'), { output: 'file:///elsewhere/' }), false);
    let rec = await runs.require('r1');
    assert.equal(rec.state, 'running');
    assert.equal(rec.sealed, false);
    assert.equal(rec.output, 'file:///tmp/out/');
    assert.equal(rec.labelCount, 2);
    assert.deepEqual(runSpecOf(rec).labels, ['cat', 'dog']);
    assert.deepEqual(await runs.recentIds(5), ['r1']);

    await runs.setCounts('r1', 3, 30);
    assert.equal((await runs.loadLite('r1'))?.sealed, false);
    await runs.setCounts('r1', 4, 35, true);
    rec = await runs.require('r1', { lite: true });
    assert.equal(rec.spec, '', 'listings do not read the spec');
    assert.deepEqual([rec.chunks, rec.images, rec.sealed, !!rec.sealedAt], [4, 35, true, true]);
    assert.equal(await runs.chunkCount('r1'), 4);

    await runs.markStarted('r1', new Date('2026-01-02T03:05:00Z'));
    await runs.markStarted('r1', new Date('2026-01-02T04:00:00Z'));
    assert.equal((await runs.require('r1')).startedAt, '2026-01-02T03:05:00.000Z', 'the first start is kept');

    await runs.setChunkProgress('r1', 0, 9, 1);
    await runs.setChunkProgress('r1', 1, 10, 0);
    await runs.setChunkProgress('r1', 1, 8, 2); // a retried chunk overwrites, never adds
    assert.deepEqual(await runs.progressTotals('r1'), { done: 17, failed: 3, parts: 2 });
    assert.deepEqual(
      [...(await runs.progress('r1')).entries()],
      [
        [0, { done: 9, failed: 1 }],
        [1, { done: 8, failed: 2 }],
      ],
    );
  });

  test('state transitions: complete, reopen, cancel with a reason, fail seals', async () => {
    await runs.create(spec('r2'), { output: 'file:///tmp/out/' });
    await runs.complete('r2', 'completed', '{"ok":1}', '2026-01-02T05:00:00.000Z');
    let rec = await runs.require('r2');
    assert.equal(isFinal(rec), true);
    await runs.reopen('r2');
    rec = await runs.require('r2');
    assert.deepEqual(
      [rec.state, rec.summary, rec.finishedAt, !!rec.retriedAt],
      ['running', undefined, undefined, true],
    );
    assert.equal(isFinal(rec), false);

    await runs.cancel('r2', 'enqueue failed: boom');
    assert.equal(await runs.state('r2'), 'cancelled');
    assert.equal((await runs.require('r2')).error, 'enqueue failed: boom');

    await runs.create(spec('r3'), { output: 'file:///tmp/out/' });
    await runs.setCounts('r3', 2, 20);
    await runs.fail('r3', 'producer lost');
    rec = await runs.require('r3');
    assert.deepEqual([rec.state, rec.sealed, rec.chunks, rec.error], ['failed', true, 2, 'producer lost']);
  });

  test('chunks are closed for writes from the start of finalization until a retry reopens the run', async () => {
    await runs.create(spec('r4'), { output: 'file:///tmp/out/' });
    assert.equal(await runs.closedForWrites('r4'), undefined);
    await runs.markFinalizing('r4', new Date('2026-01-02T06:00:00Z'));
    assert.match((await runs.closedForWrites('r4')) ?? '', /being finalized since 2026-01-02T06:00:00/);
    await runs.complete('r4', 'completed', '{}', '2026-01-02T06:00:01.000Z');
    assert.match((await runs.closedForWrites('r4')) ?? '', /already finalized \(completed\)/);
    await runs.reopen('r4');
    assert.equal(await runs.closedForWrites('r4'), undefined);
    assert.equal((await runs.require('r4')).finalizingAt, undefined);
  });

  test('a missing run is RUN_NOT_FOUND naming the id; an unknown state reads as running', async () => {
    await assert.rejects(runs.require('nope'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'RUN_NOT_FOUND');
      assert.match(e.message, /"nope"/);
      return true;
    });
    assert.equal(decodeRunRecord('x', {}), undefined);
    assert.equal(
      decodeRunRecord('x', { [RUN_FIELD.createdAt]: 't', [RUN_FIELD.state]: 'weird' })?.state,
      'running',
    );
  });
});

describe('output layout', () => {
  test('part, pack and summary URIs under <output>/<runId>/', () => {
    assert.equal(partName(7), 'part-000007.jsonl');
    assert.equal(partUri('s3://bkt/out', 'r1', 7), 's3://bkt/out/r1/part-000007.jsonl');
    assert.equal(packUri('s3://bkt/out/', 'r1', 7), 's3://bkt/out/r1/embeddings/part-000007.f16');
    assert.equal(summaryUri('file:///o/', 'r1'), 'file:///o/r1/_SUMMARY.json');
    assert.equal(runDirUri('file:///o', 'r1'), 'file:///o/r1/');
    assert.throws(() => partUri('s3://bkt/out/', '../x', 0), /runId/);
    assert.throws(() => packUri('s3://bkt/out/', 'r', -1), /chunk index/);
  });
});

describe('orphaned runs', () => {
  const suite = redisSuite();

  test('a run whose producer died before adding any chunk job is failed by whoever looks at it', async () => {
    const runs = new RunStore(suite.redis, '{orph}');
    const old = { ...spec('orphan0'), createdAt: new Date(Date.now() - 5_000).toISOString() };
    await runs.create(old, { output: 'file:///tmp/out/', producerLeaseMs: 1_000 });
    const deps = { connection: suite.redis, prefix: '{orph}' };
    const status = await getRunStatus('orphan0', deps);
    assert.equal(status.state, 'failed');
    assert.match(status.error ?? '', /producer stopped before adding any chunk job/);
    assert.equal((await waitForRun('orphan0', { pollMs: 10 }, deps)).state, 'failed');

    // A live producer (lease held) or a young run is left alone.
    await runs.create(
      { ...spec('young'), createdAt: new Date().toISOString() },
      { output: 'file:///tmp/out/' },
    );
    assert.equal((await getRunStatus('young', deps)).state, 'queued');
    await runs.create({ ...old, runId: 'held' }, { output: 'file:///tmp/out/', producerLeaseMs: 1_000 });
    assert.equal(await runs.producerLease('held', 60_000).acquire(), true);
    assert.equal((await getRunStatus('held', deps)).state, 'queued');
  });
});
