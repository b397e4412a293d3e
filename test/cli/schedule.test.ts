import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { listRuns, startScheduleWorker } from '../../src/producer/index.js';
import { type CliResult, keysUnder, pool, redisSuite, runCli, until } from '../producer/fixtures.js';

describe('zeroshot schedule (CLI)', () => {
  const suite = redisSuite();
  const tree = suite.tree;
  const prefix = '{zcli-sched}';
  let env: Record<string, string>;

  before(() => {
    env = { REDIS_URL: suite.server.url, ZEROSHOT_QUEUE_PREFIX: prefix };
  });

  it('adds, lists and removes schedules; a firing creates a run', async () => {
    const src = tree(['a.jpg', 'b.jpg']);
    const out = tree([]);
    const add = await runCli(
      [
        'schedule',
        'add',
        'hourly',
        src.dir,
        '--every',
        '1s',
        '--allow-sub-minute',
        '--labels',
        'cat,dog',
        '--output',
        out.dir,
        '--incremental',
      ],
      env,
    );
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /schedule hourly: every 1s, incremental/);
    // A daily cron 12 hours away, so it never really fires while the test runs (whatever the time of day).
    const hour = (new Date().getUTCHours() + 12) % 24;
    const hh = String(hour).padStart(2, '0');
    const cron = await runCli(
      [
        'schedule',
        'add',
        'nightly',
        `${src.uri}`,
        '--cron',
        `0 ${hour} * * *`,
        '--labels',
        'a',
        '--output',
        out.dir,
      ],
      env,
    );
    assert.equal(cron.code, 0, cron.stderr);

    const list = await runCli(['schedule', 'list'], env);
    assert.match(list.stdout, /hourly\s+every 1s\s+yes/);
    assert.match(
      list.stdout,
      new RegExp(`nightly\\s+cron 0 ${hour} \\* \\* \\*\\s+no\\s+\\d{4}-\\d\\d-\\d\\dT${hh}:00:00\\.000Z`),
    );
    const listJson = JSON.parse((await runCli(['schedule', 'list', '--json'], env)).stdout);
    assert.deepEqual(
      listJson.map((s: { name: string }) => s.name),
      ['hourly', 'nightly'],
    );
    assert.deepEqual(listJson[0].enqueue.labels, ['cat', 'dog']);

    const worker = await startScheduleWorker({ redisUrl: suite.server.url, prefix });
    try {
      await until(
        async () => (await listRuns({}, { redisUrl: suite.server.url, prefix })).length >= 1,
        15_000,
      );
    } finally {
      await worker.close();
    }
    const [run] = await listRuns({}, { redisUrl: suite.server.url, prefix });
    assert.match(run?.runId ?? '', /^sched\.hourly\.\d{8}-\d{6}/);
    assert.equal(run?.images.total, 2);

    assert.equal((await runCli(['schedule', 'remove', 'hourly'], env)).code, 0);
    assert.equal((await runCli(['schedule', 'remove', 'nightly'], env)).code, 0);
    const gone = await runCli(['schedule', 'remove', 'nightly'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no schedule named nightly/);
    assert.match((await runCli(['schedule', 'list'], env)).stdout, /no schedules/);
  });

  it('rejects bad schedules with exit 2 and stores nothing', async () => {
    const src = tree(['a.jpg']);
    const iso = { REDIS_URL: suite.server.url, ZEROSHOT_QUEUE_PREFIX: '{zcli-sched-bad}' };
    const base = ['--labels', 'a', '--output', src.dir];
    const cases: Array<[string[], RegExp]> = [
      [['schedule', 'add', 's', src.dir, '--every', 'often', ...base], /--every must be a duration/],
      [['schedule', 'add', 's', src.dir, ...base], /exactly one of --cron EXPR and --every DURATION/],
      [
        ['schedule', 'add', 's', src.dir, '--cron', '* * * * * *', ...base],
        /seconds field.*--allow-sub-minute/,
      ],
      [['schedule', 'add', 's', src.dir, '--every', '30s', ...base], /at least 60s.*--allow-sub-minute/],
      [['schedule', 'add', 's', src.dir, '--every', '1m', '--cron', '* * * * *', ...base], /exactly one of/],
      [['schedule', 'add', 'bad/name', src.dir, '--every', '1m', ...base], /schedule name must match/],
      [
        ['schedule', 'add', 's', src.dir, '--every', '1m', '--labels', 'a,a', '--output', src.dir],
        /duplicate label/,
      ],
    ];
    const results = await pool(cases, 3, ([args]) => runCli(args, iso));
    for (const [i, [args, re]] of cases.entries()) {
      const res = results[i] as CliResult;
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, re);
    }
    assert.deepEqual(await keysUnder(suite.redis, '{zcli-sched-bad}'), []);
  });
});
