import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Job, Queue } from 'bullmq';
import { UsageError } from '../../src/core/errors/index.js';
import { jobIds, keys, QUEUES } from '../../src/jobs/index.js';
import {
  addSchedule,
  listRuns,
  listSchedules,
  parseDuration,
  removeSchedule,
  startScheduleWorker,
} from '../../src/producer/index.js';
import { keysUnder, redisSuite, until } from './fixtures.js';

describe('schedules', () => {
  const suite = redisSuite();
  const tree = suite.tree;

  it('parses durations', () => {
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('2s'), 2_000);
    assert.throws(() => parseDuration('soon'), /--every must be a duration such as 30s/);
    assert.throws(() => parseDuration('0s'), UsageError);
  });

  it('rejects bad schedules before writing anything', async () => {
    const p = '{zs-bad}';
    const d = { redisUrl: suite.server.url, prefix: p };
    const src = tree(['a.jpg']);
    const enqueue = { sources: [src.uri], labels: ['a'], output: tree([]).uri };
    await assert.rejects(
      addSchedule('bad name', { everyMs: 1_000, allowSubMinute: true, enqueue }, d),
      /schedule name must match/,
    );
    await assert.rejects(addSchedule('s', { enqueue }, d), /exactly one of --cron EXPR and --every DURATION/);
    await assert.rejects(
      addSchedule('s', { cron: 'every day', enqueue }, d),
      /--cron must have 5 or 6 fields/,
    );
    await assert.rejects(
      addSchedule(
        's',
        { everyMs: 1_000, allowSubMinute: true, enqueue: { ...enqueue, labels: ['a', 'a'] } },
        d,
      ),
      /duplicate label/,
    );
    await assert.rejects(
      addSchedule(
        's',
        { everyMs: 1_000, allowSubMinute: true, enqueue: { ...enqueue, output: 'ftp://x/y' } },
        d,
      ),
      /--output/,
    );
    await assert.rejects(addSchedule('s', { cron: '99 * * * *', enqueue }, d), UsageError);
    await assert.rejects(addSchedule('s', { cron: '0 0 30 2 *', enqueue }, d), /not a valid cron/);
    assert.deepEqual(await keysUnder(suite.redis, p), []);
  });

  it('has a minimum interval: sub-minute schedules and cron seconds need allowSubMinute', async () => {
    const p = '{zs-min}';
    const d = { redisUrl: suite.server.url, prefix: p };
    const enqueue = { sources: [tree(['a.jpg']).uri], labels: ['a'], output: tree([]).uri };
    await assert.rejects(
      addSchedule('s', { cron: '* * * * * *', enqueue }, d),
      /seconds field.*allow-sub-minute/,
    );
    await assert.rejects(addSchedule('s', { cron: '*/30 * * * * *', enqueue }, d), /seconds field/);
    await assert.rejects(addSchedule('s', { everyMs: 59_000, enqueue }, d), /at least 60s/);
    await assert.rejects(
      addSchedule('s', { everyMs: 500, allowSubMinute: true, enqueue }, d),
      /--every must be at least 1s/,
    );
    assert.deepEqual(await keysUnder(suite.redis, p), []);
    await addSchedule('m', { cron: '* * * * *', enqueue }, d);
    await addSchedule('f', { cron: '*/5 * * * * *', allowSubMinute: true, enqueue }, d);
    await removeSchedule('m', d);
    await removeSchedule('f', d);
  });

  it('fires every second, each firing a new run named after the schedule and firing time', async () => {
    const p = '{zs-every}';
    const d = { redisUrl: suite.server.url, prefix: p };
    const src = tree(['x/1.jpg', 'x/2.jpg']);
    const info = await addSchedule(
      'nightly',
      {
        everyMs: 1_000,
        allowSubMinute: true,
        enqueue: { sources: [src.uri], labels: ['a'], output: tree([]).uri, chunkSize: 1 },
      },
      d,
    );
    assert.equal(info.everyMs, 1_000);
    const listed = await listSchedules(d);
    assert.deepEqual(
      listed.map((s) => [s.name, s.everyMs, s.incremental]),
      [['nightly', 1_000, false]],
    );
    assert.ok(listed[0]?.next, 'the next firing time is known');

    const worker = await startScheduleWorker(d);
    try {
      await until(async () => (await listRuns({}, d)).length >= 2, 15_000);
    } finally {
      await worker.close();
    }
    const runs = await listRuns({}, d);
    for (const r of runs) {
      assert.match(r.runId, /^sched\.nightly\.\d{8}-\d{6}(\.\d{3})?$/);
      assert.equal(r.schedule, 'nightly');
      assert.equal(r.images.total, 2);
      assert.equal(r.chunks.total, 2);
    }
    assert.equal(new Set(runs.map((r) => r.runId)).size, runs.length);
    const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
    assert.ok(await Job.fromId(chunks, jobIds.chunk(runs[0]?.runId as string, 1)));
    await chunks.close();

    assert.equal(await removeSchedule('nightly', d), true);
    assert.deepEqual(await listSchedules(d), []);
    assert.equal(await removeSchedule('nightly', d), false);
  });

  it('--incremental enqueues only images whose ETag changed since the previous firing', async () => {
    const p = '{zs-incr}';
    const d = { redisUrl: suite.server.url, prefix: p };
    const src = tree(['a.jpg', 'b.jpg', 'c.jpg']);
    await addSchedule(
      'incr',
      {
        everyMs: 1_000,
        allowSubMinute: true,
        enqueue: { sources: [src.uri], labels: ['a'], output: tree([]).uri, incremental: true },
      },
      d,
    );
    const worker = await startScheduleWorker(d);
    try {
      await until(async () => (await listRuns({}, d)).length >= 1, 15_000);
      const [first] = await listRuns({}, d);
      assert.equal(first?.images.total, 3);
      assert.equal(await suite.redis.hlen(keys(p).scheduleEtags('incr')), 3);
      const ttl = await suite.redis.pttl(keys(p).scheduleEtags('incr'));
      assert.ok(ttl > 29 * 86_400_000, `the ETag map expires with the run retention (pttl ${ttl})`);
      // Let at least one more firing pass with nothing changed: no new run.
      const schedules = new Queue(QUEUES.schedules, { connection: suite.redis, prefix: p });
      await until(async () => (await schedules.getCompletedCount()) >= 2, 15_000);
      assert.equal((await listRuns({}, d)).length, 1, 'an unchanged prefix creates no run');
      // Change one object (new size → new ETag): the next run holds just that image.
      writeFileSync(path.join(src.dir, 'b.jpg'), 'changed content, longer than before');
      await until(async () => (await listRuns({}, d)).length >= 2, 15_000);
      const [latest] = await listRuns({}, d);
      assert.equal(latest?.images.total, 1);
      const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
      const job = await Job.fromId(chunks, jobIds.chunk(latest?.runId as string, 0));
      assert.deepEqual(
        job?.data.images.map((i: { uri: string }) => path.basename(i.uri)),
        ['b.jpg'],
      );
      await chunks.close();
      await schedules.close();
    } finally {
      await worker.close();
    }
    await removeSchedule('incr', d);
    assert.equal(await suite.redis.exists(keys(p).scheduleEtags('incr')), 0);
  });
});
