import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { keys, PAYLOAD_VERSION, type RunSpec } from '../../src/jobs/index.js';
import { pruneRuns } from '../../src/producer/index.js';
import {
  DEFAULT_RUN_RETENTION_MS,
  packUri,
  parseRetention,
  RUN_FIELD,
  RunStore,
  runRetentionFromEnv,
} from '../../src/runs/index.js';
import { redisSuite } from '../producer/fixtures.js';

const DAY = 86_400_000;
const LABELS = ['cat', 'dog', 'bird', 'car', 'bicycle', 'tree', 'building', 'food', 'person', 'boat'];

const spec = (runId: string, createdAt: Date): RunSpec => ({
  v: PAYLOAD_VERSION,
  runId,
  labels: LABELS,
  mode: 'softmax',
  output: 's3://results/labels/',
  source: ['s3://photos/2026/11/'],
  createdAt: createdAt.toISOString(),
  incremental: false,
  storeEmbeddings: false,
  reuseEmbeddings: false,
});

/** A summary shaped like the worker's `_SUMMARY.json` for a 49-image run in 4 chunks. */
const summary = (runId: string, finishedAt: string) =>
  JSON.stringify({
    runId,
    state: 'completed',
    model: { id: 'Xenova/clip-vit-base-patch32', dtype: 'fp32', provider: 'cpu' },
    labels: LABELS,
    mode: 'softmax',
    templates: ['This is a photo of {}.'],
    counts: { images: 49, ok: 47, failed: 2, missing: 0 },
    failuresByCode: { IMAGE_CORRUPT: 1, IMAGE_NOT_FOUND: 1 },
    chunks: { total: 4, written: 4, failed: [] },
    parts: [0, 1, 2, 3].map((i) => `part-00000${i}.jsonl`),
    createdAt: '2026-11-28T03:00:00.000Z',
    startedAt: '2026-11-28T03:00:01.000Z',
    finishedAt,
    seconds: 12.5,
    imagesPerSecond: 3.92,
  });

async function finishedRun(runs: RunStore, runId: string, createdAt: Date, finishedAt: Date) {
  await runs.create(spec(runId, createdAt), { output: 's3://results/labels/' });
  await runs.setCounts(runId, 4, 49, true);
  for (let i = 0; i < 4; i++) await runs.setChunkProgress(runId, i, 12, i === 0 ? 2 : 0);
  await runs.complete(runId, 'completed', summary(runId, finishedAt.toISOString()), finishedAt.toISOString());
}

describe('retention: run records expire, prune bounds what Redis keeps', () => {
  const suite = redisSuite();

  test('retention option: default 30 days, durations, 0 = keep', () => {
    assert.equal(runRetentionFromEnv({}), DEFAULT_RUN_RETENTION_MS);
    assert.equal(DEFAULT_RUN_RETENTION_MS, 30 * DAY);
    assert.equal(runRetentionFromEnv({ ZEROSHOT_RUN_RETENTION: '7d' }), 7 * DAY);
    assert.equal(parseRetention('0'), 0);
    assert.throws(() => runRetentionFromEnv({ ZEROSHOT_RUN_RETENTION: 'soon' }), /ZEROSHOT_RUN_RETENTION/);
  });

  test('a finished run expires after the retention; labels are stored once; retry keeps it', async () => {
    const runs = new RunStore(suite.redis, '{ret}', { retentionMs: 7 * DAY });
    const k = keys('{ret}');
    await finishedRun(runs, 'r1', new Date(), new Date());
    for (const key of [k.run('r1'), k.runProgress('r1')]) {
      const ttl = await suite.redis.pttl(key);
      assert.ok(ttl > 7 * DAY - 60_000 && ttl <= 7 * DAY, `${key}: ${ttl}`);
    }
    const stored = JSON.parse((await suite.redis.hget(k.run('r1'), RUN_FIELD.summary)) as string);
    assert.equal(stored.labels, undefined, 'labels live in the spec only');
    assert.deepEqual(stored.counts, { images: 49, ok: 47, failed: 2, missing: 0 });
    const all = Object.values(await suite.redis.hgetall(k.run('r1'))).join('\n');
    assert.equal(all.split('"building"').length - 1, 1, 'each label appears once in the run hash');

    await runs.reopen('r1');
    assert.equal(await suite.redis.pttl(k.run('r1')), -1, 'a retried run does not expire mid-way');
    assert.equal(await suite.redis.pttl(k.runProgress('r1')), -1);

    const forever = new RunStore(suite.redis, '{ret}', { retentionMs: 0 });
    await finishedRun(forever, 'r2', new Date(), new Date());
    assert.equal(await suite.redis.pttl(k.run('r2')), -1);
  });

  test('runs prune: old finished runs, stale index entries, dead embedding entries, ETag maps of removed schedules', async () => {
    const p = '{prune}';
    const k = keys(p);
    const runs = new RunStore(suite.redis, p, { retentionMs: 0 });
    const now = Date.now();
    await finishedRun(runs, 'old', new Date(now - 40 * DAY), new Date(now - 39 * DAY));
    await finishedRun(runs, 'recent', new Date(now - 2 * DAY), new Date(now - DAY));
    await runs.create(spec('running-old', new Date(now - 50 * DAY)), { output: 's3://results/labels/' });
    await suite.redis.zadd(k.runIndex(), now - 60 * DAY, 'expired-already');
    const emb = k.embeddingIndex('Xenova/clip-vit-base-patch32');
    await suite.redis.hset(
      emb,
      's3://photos/a.jpg\nabc',
      `${packUri('s3://results/labels/', 'old', 0)}#0`,
      's3://photos/b.jpg\ndef',
      `${packUri('s3://results/labels/', 'recent', 0)}#3`,
    );
    await suite.redis.hset(k.schedules(), 'live', '{}');
    await suite.redis.hset(k.scheduleEtags('live'), 's3://photos/a.jpg', 'e1');
    await suite.redis.hset(k.scheduleEtags('removed'), 's3://photos/a.jpg', 'e1');

    const report = await pruneRuns({ olderThanMs: 7 * DAY }, { redisUrl: suite.server.url, prefix: p });
    assert.deepEqual(report, {
      olderThanMs: 7 * DAY,
      runs: 1,
      staleIndexEntries: 1,
      embeddingIndexEntries: 1,
      scheduleEtagMaps: 1,
    });
    assert.equal(await suite.redis.exists(k.run('old'), k.runProgress('old')), 0);
    assert.equal(await suite.redis.exists(k.run('recent'), k.run('running-old')), 2);
    assert.deepEqual(await suite.redis.zrange(k.runIndex(), '0', '-1'), ['running-old', 'recent']);
    assert.deepEqual(await suite.redis.hkeys(emb), ['s3://photos/b.jpg\ndef']);
    assert.equal(await suite.redis.exists(k.scheduleEtags('live'), k.scheduleEtags('removed')), 1);
  });

  test('measures Redis bytes per finished run and per 1M images of embedding index (MEMORY USAGE)', async () => {
    const p = '{size}';
    const k = keys(p);
    const runs = new RunStore(suite.redis, p);
    const n = 200;
    for (let i = 0; i < n; i++) {
      const id = `sched.nightly.20261128-${String(i).padStart(6, '0')}`;
      await finishedRun(runs, id, new Date(), new Date());
    }
    const usage = async (key: string) =>
      Number((await suite.redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
    let runBytes = 0;
    let progressBytes = 0;
    for (const id of await suite.redis.zrange(k.runIndex(), '0', '-1')) {
      runBytes += await usage(k.run(id));
      progressBytes += await usage(k.runProgress(id));
    }
    const indexBytes = await usage(k.runIndex());
    const perRun = (runBytes + progressBytes + indexBytes) / n;

    const emb = k.embeddingIndex('Xenova/clip-vit-base-patch32');
    const entries = 20_000;
    for (let start = 0; start < entries; start += 1_000) {
      const fields: string[] = [];
      for (let i = start; i < start + 1_000; i++) {
        const chunk = Math.floor(i / 256);
        fields.push(
          `s3://photos/2026/11/IMG_${String(i).padStart(7, '0')}.jpg\n${i.toString(16).padStart(32, '0')}`,
          `${packUri('s3://results/labels/', 'sched.nightly.20261128-030000', chunk)}#${i % 256}`,
        );
      }
      await suite.redis.hset(emb, ...fields);
    }
    const perImage = (await usage(emb)) / entries;
    const rows = [
      ['run hash (spec, counts, summary without labels)', Math.round(runBytes / n)],
      ['progress hash (4 chunks)', Math.round(progressBytes / n)],
      ['run index entry', Math.round(indexBytes / n)],
      ['total per finished run', Math.round(perRun)],
      ['per 1M finished runs (MB)', Math.round((perRun * 1e6) / 1e6)],
      ['embedding index, per image', Math.round(perImage)],
      ['embedding index, per 1M images (MB)', Math.round((perImage * 1e6) / 1e6)],
    ];
    process.stdout.write(
      `\nRedis footprint (redis-server MEMORY USAGE, 10 labels, 49 images in 4 chunks):\n${rows
        .map(([what, v]) => `  ${String(what).padEnd(48)} ${String(v).padStart(8)}`)
        .join('\n')}\n${JSON.stringify(Object.fromEntries(rows))}\n`,
    );
    assert.ok(perRun > 200 && perRun < 10_000, `per run ${perRun}`);
    assert.ok(perImage > 50 && perImage < 1_000, `per image ${perImage}`);
  });
});
