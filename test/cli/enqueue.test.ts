import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { keys } from '../../src/jobs/index.js';
import {
  type CliResult,
  keysUnder,
  pool,
  redisSuite,
  runCli,
  startFakeWorker,
} from '../producer/fixtures.js';

describe('zeroshot enqueue (CLI)', () => {
  const suite = redisSuite();
  const tree = suite.tree;
  const prefix = '{zcli-enq}';
  let env: Record<string, string>;

  before(() => {
    env = { REDIS_URL: suite.server.url, ZEROSHOT_QUEUE_PREFIX: prefix };
  });

  it('enqueues a local directory and prints the run id', async () => {
    const src = tree(['a.jpg', 'b.jpg', 'sub/c.png', 'readme.txt']);
    const out = tree([]);
    const res = await runCli(
      ['enqueue', src.dir, '--labels', 'cat,dog', '--output', out.dir, '--chunk-size', '2'],
      env,
    );
    assert.equal(res.code, 0, res.stderr);
    const runId = res.stdout.trim();
    assert.match(runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/);
    assert.match(res.stderr, /enqueued 3 images in 2 chunks/);
    const run = await suite.redis.hgetall(keys(prefix).run(runId));
    assert.equal(run.sealed, '1');
    assert.equal(JSON.parse(run.spec as string).output, `file://${out.dir}/`);
  });

  it('prints JSON, takes the output from ZEROSHOT_OUTPUT and is idempotent on --run-id', async () => {
    const src = tree(['a.jpg']);
    const out = tree([]);
    const args = ['enqueue', `${src.uri}a.jpg`, '--labels', 'x', '--run-id', 'cli-json', '--json'];
    const first = await runCli(args, { ...env, ZEROSHOT_OUTPUT: out.uri });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { runId: 'cli-json', chunks: 1, images: 1, created: true });
    const second = await runCli(args, { ...env, ZEROSHOT_OUTPUT: out.uri });
    assert.deepEqual(JSON.parse(second.stdout), { runId: 'cli-json', chunks: 1, images: 1, created: false });
    const other = ['enqueue', `${src.uri}a.jpg`, '--labels', 'y', '--run-id', 'cli-json', '--wait'];
    const conflict = await runCli(other, { ...env, ZEROSHOT_OUTPUT: tree([]).uri });
    assert.equal(conflict.code, 2, conflict.stderr);
    assert.match(conflict.stderr, /already taken by a run with a different labels, output/);
    const reserved = await runCli(
      ['enqueue', `${src.uri}a.jpg`, '--labels', 'x', '--run-id', 'sched.nightly.20261128-030000'],
      { ...env, ZEROSHOT_OUTPUT: out.uri },
    );
    assert.equal(reserved.code, 2, reserved.stderr);
    assert.match(reserved.stderr, /reserved for schedule firings/);
  });

  it('keeps 5 labels per image by default; --top-k all keeps every label', async () => {
    const src = tree(['a.jpg']);
    const out = tree([]);
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].join(',');
    const spec = async (runId: string, extra: string[]) => {
      const res = await runCli(
        ['enqueue', src.dir, '--labels', labels, '--output', out.dir, '--run-id', runId, ...extra],
        env,
      );
      assert.equal(res.code, 0, res.stderr);
      return JSON.parse((await suite.redis.hget(keys(prefix).run(runId), 'spec')) as string);
    };
    assert.equal((await spec('topk-default', [])).topK, 5);
    assert.equal((await spec('topk-all', ['--top-k', 'all'])).topK, undefined);
    assert.equal((await spec('topk-2', ['--top-k', '2'])).topK, 2);
  });

  it('exits 2 with a one-line explanation on usage errors and enqueues nothing', async () => {
    const manyLabels = Array.from({ length: 950 }, (_, i) => `label ${i}`).join(',');
    const src = tree(['a.jpg']);
    const out = tree([]);
    const isolated = {
      REDIS_URL: suite.server.url,
      ZEROSHOT_QUEUE_PREFIX: '{zcli-bad}',
      ZEROSHOT_OUTPUT: '',
    };
    const cases: Array<[string[], RegExp]> = [
      [['enqueue', src.dir, '--labels', 'cat,cat', '--output', out.dir], /duplicate label "cat"/],
      [['enqueue', src.dir, '--output', out.dir], /no labels given/],
      [['enqueue', src.dir, '--labels', 'a'], /--output is required/],
      [
        ['enqueue', src.dir, '--labels', 'a', '--output', out.dir, '--colour', 'red'],
        /unknown option '--colour'/,
      ],
      [['enqueue', 'ftp://host/x.jpg', '--labels', 'a', '--output', out.dir], /unsupported scheme "ftp:"/],
      [['enqueue', 's3://bucket/../x/', '--labels', 'a', '--output', out.dir], /"\.\." is not allowed/],
      [['enqueue', src.dir, '--labels', 'a', '--output', 's3://bucket/a/../../b'], /--output/],
      [['enqueue', src.dir, '--labels', 'a', '--output', out.dir, '--chunk-size', '0'], /--chunk-size/],
      [['enqueue', src.dir, '--labels', 'a', '--output', out.dir, '--mode', 'fuzzy'], /--mode/],
      [
        ['enqueue', src.dir, '--labels', 'a', '--output', out.dir, '--ensemble', 'nope'],
        /unknown template ensemble/,
      ],
      [['enqueue', '--labels', 'a', '--output', out.dir], /nothing to enqueue/],
      [
        [
          'enqueue',
          src.dir,
          '--labels',
          manyLabels,
          '--top-k',
          'all',
          '--output',
          out.dir,
          '--chunk-size',
          '3000',
        ],
        /all 950 labels \(--top-k all\) x --chunk-size 3000 = 2850000 label scores per part file, above the limit of 2000000: lower --chunk-size to at most 2105/,
      ],
      [['enqueue', src.dir, '--labels', 'a', '--output', out.dir, '--top-k', 'some'], /--top-k/],
    ];
    const results = await pool(cases, 3, ([args]) => runCli(args, isolated));
    for (const [i, [args, re]] of cases.entries()) {
      const res = results[i] as CliResult;
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, re, args.join(' '));
      assert.equal(res.stdout, '');
      assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.deepEqual(await keysUnder(suite.redis, '{zcli-bad}'), []);
  });

  it('reports an unreachable Redis clearly, without the password', async () => {
    const src = tree(['a.jpg']);
    const res = await runCli(['enqueue', src.dir, '--labels', 'a', '--output', src.dir], {
      REDIS_URL: 'redis://:s3cret@127.0.0.1:1',
    });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /REDIS_UNAVAILABLE: cannot reach Redis/);
    assert.doesNotMatch(res.stderr, /s3cret/);
  });

  it('--wait follows the run to its end and prints the summary', async () => {
    const src = tree(Array.from({ length: 9 }, (_, i) => `w/${i}.jpg`));
    const out = tree([]);
    const worker = startFakeWorker({ redisUrl: suite.server.url, prefix, chunkDelayMs: 20 });
    try {
      const res = await runCli(
        [
          'enqueue',
          src.dir,
          '--labels',
          'a,b',
          '--output',
          out.dir,
          '--chunk-size',
          '2',
          '--wait',
          '--json',
          '--run-id',
          'waited',
        ],
        env,
      );
      assert.equal(res.code, 0, res.stderr);
      const body = JSON.parse(res.stdout);
      assert.equal(body.runId, 'waited');
      assert.equal(body.status.state, 'completed');
      assert.deepEqual(body.status.images, { total: 9, done: 9, failed: 0 });
      assert.deepEqual(body.status.chunks, { total: 5, done: 5, failed: 0, pending: 0 });

      const human = await runCli(
        ['enqueue', src.dir, '--labels', 'a,b', '--output', out.dir, '--wait', '--run-id', 'waited-2'],
        env,
      );
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /state\s+completed/);
      assert.match(human.stdout, /images\s+9\/9 processed/);
    } finally {
      await worker.close();
    }
  });

  it('--wait shows failed chunks in the progress line and exits 1 when a chunk failed for good', async () => {
    const src = tree(Array.from({ length: 6 }, (_, i) => `f${i}.jpg`));
    const out = tree([]);
    const worker = startFakeWorker({
      redisUrl: suite.server.url,
      prefix,
      failChunks: (runId, index) => runId === 'one-fails' && index === 1,
    });
    try {
      const res = await runCli(
        [
          'enqueue',
          src.dir,
          '--labels',
          'a,b',
          '--output',
          out.dir,
          '--chunk-size',
          '2',
          '--attempts',
          '1',
          '--wait',
          '--run-id',
          'one-fails',
        ],
        env,
      );
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, /one-fails completed: 4\/6 images, 0 failed, 2\/3 chunks, 1 failed/);
      assert.match(res.stdout, /chunks\s+2\/3 done · 1 failed/);
    } finally {
      await worker.close();
    }
  });
});
