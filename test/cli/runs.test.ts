import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enqueueRun, waitForRun } from '../../src/producer/index.js';
import { makeTree, runCli, startFakeWorker } from '../producer/fixtures.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

describe('zeroshot status / runs / cancel / failed / retry (CLI)', () => {
  let server: RedisServerHandle;
  const trees: Array<{ uri: string; cleanup(): void }> = [];
  const tree = (files: string[]) => {
    const t = makeTree(files);
    trees.push(t);
    return t;
  };
  const prefix = '{zcli-runs}';
  let env: Record<string, string>;
  let deps: { redisUrl: string; prefix: string };

  before(async () => {
    server = await startRedisServer();
    env = { REDIS_URL: server.url, ZEROSHOT_QUEUE_PREFIX: prefix };
    deps = { redisUrl: server.url, prefix };
  });
  after(async () => {
    await server.stop();
    for (const t of trees) t.cleanup();
  });

  it('shows status and the run list, as text and JSON; unknown ids exit 1', async () => {
    const src = tree(['a.jpg', 'b.jpg', 'c.jpg']);
    await enqueueRun(
      { sources: [src.uri], labels: ['a'], output: tree([]).uri, chunkSize: 2, runId: 'st1' },
      deps,
    );
    const text = await runCli(['status', 'st1'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /state\s+queued/);
    assert.match(text.stdout, /chunks\s+0\/2 done · 0 failed · 2 pending/);
    const js = await runCli(['status', 'st1', '--json'], env);
    assert.equal(JSON.parse(js.stdout).images.total, 3);
    const runs = await runCli(['runs', '--limit', '5'], env);
    assert.match(runs.stdout, /^RUN ID\s+STATE/);
    assert.match(runs.stdout, /st1\s+queued\s+0\/3/);
    const runsJson = await runCli(['runs', '--json'], env);
    assert.deepEqual(
      JSON.parse(runsJson.stdout).map((r: { runId: string }) => r.runId),
      ['st1'],
    );
    const flags = await runCli(
      ['status', 'st1', '--json', '--redis-url', server.url, '--queue-prefix', prefix],
      {
        REDIS_URL: 'redis://127.0.0.1:1',
      },
    );
    assert.equal(flags.code, 0, `--redis-url / --queue-prefix override the environment: ${flags.stderr}`);
    assert.equal(JSON.parse(flags.stdout).runId, 'st1');
    const missing = await runCli(['status', 'nope'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /RUN_NOT_FOUND: no run with id "nope"/);
    const badLimit = await runCli(['runs', '--limit', 'x'], env);
    assert.equal(badLimit.code, 2);
  });

  it('runs prune removes nothing recent and reports what it removed; a bad duration exits 2', async () => {
    const res = await runCli(['runs', 'prune', '--older-than', '7d', '--json'], env);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout);
    assert.equal(report.olderThanMs, 7 * 86_400_000);
    assert.equal(report.runs, 0);
    const text = await runCli(['runs', 'prune'], env);
    assert.match(text.stdout, /pruned 0 finished runs older than 30d/);
    const bad = await runCli(['runs', 'prune', '--older-than', 'soon'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--older-than must be a duration/);
  });

  it('cancels a run', async () => {
    const src = tree(['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']);
    await enqueueRun(
      { sources: [src.uri], labels: ['a'], output: tree([]).uri, chunkSize: 1, runId: 'cx' },
      deps,
    );
    const res = await runCli(['cancel', 'cx'], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /run cx cancelled \(4 pending chunks removed\)/);
    const again = await runCli(['cancel', 'cx', '--json'], env);
    assert.deepEqual(JSON.parse(again.stdout), {
      runId: 'cx',
      cancelled: false,
      state: 'cancelled',
      removed: 0,
    });
  });

  it('lists failed chunks with reasons and retries them until the run completes cleanly', async () => {
    const src = tree(Array.from({ length: 6 }, (_, i) => `${i}.jpg`));
    await enqueueRun(
      { sources: [src.uri], labels: ['a'], output: tree([]).uri, chunkSize: 2, attempts: 1, runId: 'fx' },
      deps,
    );
    let broken = true;
    const worker = startFakeWorker({ ...deps, failChunks: (_r, i) => broken && i === 2 });
    try {
      await waitForRun('fx', { pollMs: 50, timeoutMs: 20_000 }, deps);
      const failed = await runCli(['failed', 'fx'], env);
      assert.equal(failed.code, 0, failed.stderr);
      assert.match(failed.stdout, /CHUNK\s+JOB ID\s+IMAGES\s+ATTEMPTS\s+REASON/);
      assert.match(failed.stdout, /2\s+run-fx-chunk-000002\s+2\s+1\s+injected failure in chunk 2/);
      const failedJson = await runCli(['failed', 'fx', '--json'], env);
      assert.equal(JSON.parse(failedJson.stdout)[0].index, 2);
      const status = await runCli(['status', 'fx'], env);
      assert.match(status.stdout, /zeroshot retry fx/);

      broken = false;
      const retry = await runCli(['retry', 'fx'], env);
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stdout, /1 chunk re-queued; the summary will be rewritten/);
      const final = await waitForRun('fx', { pollMs: 50, timeoutMs: 20_000 }, deps);
      assert.deepEqual(final.chunks, { total: 3, done: 3, failed: 0, pending: 0 });
      const none = await runCli(['failed', 'fx'], env);
      assert.match(none.stdout, /no failed chunks/);
    } finally {
      await worker.close();
    }
  });
});
