import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { UsageError } from '../../src/core/errors/index.js';
import { jobIds, keys, QUEUES } from '../../src/jobs/index.js';
import { enqueueRun } from '../../src/producer/index.js';
import { hookedListing, keysUnder, redisSuite } from './fixtures.js';

describe('enqueueRun', () => {
  const suite = redisSuite();
  let n = 0;
  const prefix = () => `{zt${++n}}`;
  const tree = suite.tree;
  const out = () => tree([]).uri;

  it('creates one finalize parent and one chunk child per chunk, labels stored once', async () => {
    const p = prefix();
    const src = tree([
      'a.jpg',
      'b.png',
      'c.JPEG',
      'd/e.webp',
      'd/f.gif',
      'notes.txt',
      'g.tiff',
      'h.avif',
      'i.jpg',
    ]);
    const res = await enqueueRun(
      { sources: [src.uri], labels: ['cat', ' dog '], output: out(), chunkSize: 3, runId: 'flow1' },
      { redisUrl: suite.server.url, prefix: p },
    );
    assert.deepEqual(res, { runId: 'flow1', chunks: 3, images: 8, created: true });
    const run = await suite.redis.hgetall(keys(p).run('flow1'));
    assert.equal(run.sealed, '1');
    assert.equal(run.chunks, '3');
    assert.equal(run.images, '8');
    assert.equal(run.state, 'running');
    assert.deepEqual(JSON.parse(run.spec as string).labels, ['cat', 'dog']);
    assert.equal((await suite.redis.zscore(keys(p).runIndex(), 'flow1')) !== null, true);

    const runs = new Queue(QUEUES.runs, { connection: suite.redis, prefix: p });
    const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
    const parent = await Job.fromId(runs, jobIds.run('flow1'));
    assert.ok(parent);
    assert.equal(await parent.getState(), 'waiting-children');
    assert.equal((await parent.getDependenciesCount()).unprocessed, 3);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const job = await Job.fromId(chunks, jobIds.chunk('flow1', i));
      assert.ok(job, `chunk ${i}`);
      assert.equal(job.data.index, i);
      assert.equal(job.data.runId, 'flow1');
      assert.equal('labels' in job.data, false, 'chunk payloads carry no labels');
      assert.equal(JSON.stringify(job.data).includes('cat'), false);
      assert.equal(job.opts.attempts, 5);
      assert.equal(job.parentKey, `${p}:${QUEUES.runs}:${jobIds.run('flow1')}`);
      for (const img of job.data.images) {
        assert.ok(img.etag, 'listed images carry their ETag');
        seen.push(path.basename(img.uri));
      }
    }
    assert.deepEqual(seen, ['a.jpg', 'b.png', 'c.JPEG', 'e.webp', 'f.gif', 'g.tiff', 'h.avif', 'i.jpg']);
    await runs.close();
    await chunks.close();
  });

  it('is idempotent: the same run id and spec twice creates nothing new; another spec is RUN_ID_CONFLICT', async () => {
    const p = prefix();
    const d = { redisUrl: suite.server.url, prefix: p };
    const src = tree(['a.jpg', 'b.jpg', 'c.jpg']);
    const opts = { sources: [src.uri], labels: ['x', 'y'], output: out(), chunkSize: 2, runId: 'again' };
    const first = await enqueueRun(opts, d);
    const before = (await keysUnder(suite.redis, p)).sort();
    const second = await enqueueRun(opts, d);
    assert.equal(first.created, true);
    assert.deepEqual(second, { runId: 'again', chunks: 2, images: 3, created: false });
    await assert.rejects(enqueueRun({ ...opts, labels: ['other'], output: out() }, d), (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.equal(err.code, 'RUN_ID_CONFLICT');
      assert.match(err.message, /"again" is already taken by a run with a different labels, output;/);
      return true;
    });
    await assert.rejects(enqueueRun({ ...opts, mode: 'sigmoid' }, d), /different mode;/);
    assert.deepEqual((await keysUnder(suite.redis, p)).sort(), before);
    const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
    assert.equal(await chunks.count(), 2);
    await chunks.close();
  });

  it('sets priority, attempts, backoff and retention on chunk jobs', async () => {
    const p = prefix();
    const src = tree(['a.jpg']);
    await enqueueRun(
      { sources: [src.uri], labels: ['x'], output: out(), runId: 'opts', priority: 3, attempts: 7 },
      { redisUrl: suite.server.url, prefix: p },
    );
    const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
    const job = await Job.fromId(chunks, jobIds.chunk('opts', 0));
    assert.equal(job?.opts.priority, 3);
    assert.equal(job?.opts.attempts, 7);
    assert.deepEqual(job?.opts.backoff, { type: 'exponential', delay: 2_000 });
    assert.ok(job?.opts.removeOnComplete && job.opts.removeOnFail, 'completed/failed jobs are trimmed');
    assert.equal(await job?.getState(), 'prioritized');
    await chunks.close();
  });

  it('generates sortable time-based run ids by default', async () => {
    const p = prefix();
    const src = tree(['a.jpg']);
    const res = await enqueueRun(
      { sources: [`${src.uri}a.jpg`], labels: ['x'], output: out() },
      { redisUrl: suite.server.url, prefix: p },
    );
    assert.match(res.runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/);
    assert.equal(res.images, 1);
  });

  it('filters listings by extension, include/exclude globs and max-images', async () => {
    const p = prefix();
    const src = tree(['a/1.jpg', 'a/2.png', 'a/skip/3.jpg', 'b/4.jpg', 'b/5.bmp', 'top.jpg', 'x.tif']);
    const d = { redisUrl: suite.server.url, prefix: p };
    const list = async (runId: string, o: Record<string, unknown>) => {
      await enqueueRun({ sources: [src.uri], labels: ['x'], output: out(), runId, ...o }, d);
      const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
      const job = await Job.fromId(chunks, jobIds.chunk(runId, 0));
      await chunks.close();
      return ((job?.data.images ?? []) as Array<{ uri: string }>).map((i) => i.uri.slice(src.uri.length));
    };
    assert.deepEqual(await list('f1', { extensions: ['png', '.BMP'] }), ['a/2.png', 'b/5.bmp']);
    assert.deepEqual(await list('f2', { include: ['a/**'], exclude: ['**/skip/**'] }), [
      'a/1.jpg',
      'a/2.png',
    ]);
    assert.deepEqual(await list('f3', { exclude: ['*.jpg'] }), ['a/2.png', 'x.tif']);
    assert.deepEqual(await list('f4', { maxImages: 2 }), ['a/1.jpg', 'a/2.png']);
    // Several sources: overlapping ones do not enqueue an image twice.
    const res = await enqueueRun(
      { sources: [src.uri, `${src.uri}a/`, `${src.uri}top.jpg`], labels: ['x'], output: out(), runId: 'f5' },
      d,
    );
    assert.equal(res.images, 6);
  });

  it('reads JSONL, CSV and plain-line manifests from files', async () => {
    const p = prefix();
    const src = tree(['m/a.jpg', 'm/b.jpg', 'm/c.jpg']);
    const u = (f: string) => `${src.uri}m/${f}`;
    const jsonl = path.join(src.dir, 'list.jsonl');
    writeFileSync(jsonl, `{"uri":"${u('a.jpg')}"}\n\n{"uri":"${u('b.jpg')}","etag":"e1"}\n"${u('c.jpg')}"\n`);
    const csv = path.join(src.dir, 'list.csv');
    writeFileSync(csv, `id,uri,etag\n1,${u('a.jpg')},x\n2,"${u('b.jpg')}",\n`);
    const plain = path.join(src.dir, 'list.txt');
    writeFileSync(plain, `# images\n${u('c.jpg')}\n${u('a.jpg')}\n${u('c.jpg')}\n`);
    const d = { redisUrl: suite.server.url, prefix: p };
    const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
    const imagesOf = async (runId: string) => (await Job.fromId(chunks, jobIds.chunk(runId, 0)))?.data.images;
    await enqueueRun({ manifest: `file://${jsonl}`, labels: ['x'], output: out(), runId: 'm1' }, d);
    assert.deepEqual(await imagesOf('m1'), [
      { uri: u('a.jpg') },
      { uri: u('b.jpg'), etag: 'e1' },
      { uri: u('c.jpg') },
    ]);
    await enqueueRun({ manifest: `file://${csv}`, labels: ['x'], output: out(), runId: 'm2' }, d);
    assert.deepEqual(await imagesOf('m2'), [{ uri: u('a.jpg'), etag: 'x' }, { uri: u('b.jpg') }]);
    const r3 = await enqueueRun(
      { manifest: `file://${plain}`, labels: ['x'], output: out(), runId: 'm3' },
      d,
    );
    assert.equal(r3.images, 2, 'duplicate manifest lines are enqueued once');
    await chunks.close();
  });

  it('streams a listing of 3,000 keys into chunks while still listing', async () => {
    const p = prefix();
    const files = Array.from({ length: 3_000 }, (_, i) => `big/${String(i).padStart(5, '0')}.jpg`);
    const src = tree(files);
    let chunksSeenMidListing = -1;
    const probe = new Redis(suite.server.url);
    // The real file backend, observed: when half the keys have been listed, earlier chunks must already
    // be in Redis (the producer does not collect the listing first).
    const storage = hookedListing(1_500, async () => {
      chunksSeenMidListing = (await probe.keys(`${p}:chunks:run-big-chunk-*`)).length;
    });
    const res = await enqueueRun(
      { sources: [src.uri], labels: ['x'], output: out(), chunkSize: 10, runId: 'big' },
      { redisUrl: suite.server.url, prefix: p, storage },
    );
    assert.deepEqual(res, { runId: 'big', chunks: 300, images: 3_000, created: true });
    assert.ok(chunksSeenMidListing >= 100, `chunks in Redis at half the listing: ${chunksSeenMidListing}`);
    const chunks = new Queue(QUEUES.chunks, { connection: suite.redis, prefix: p });
    assert.equal(await chunks.count(), 300);
    const last = await Job.fromId(chunks, jobIds.chunk('big', 299));
    assert.equal(last?.data.images.at(-1).uri, `${src.uri}big/02999.jpg`);
    const parent = await Job.fromId(
      new Queue(QUEUES.runs, { connection: suite.redis, prefix: p }),
      jobIds.run('big'),
    );
    assert.equal((await parent?.getDependenciesCount())?.unprocessed, 300);
    await chunks.close();
    probe.disconnect();
    storage.close();
  });

  it('rejects bad options, labels, URIs and manifests with clear messages and writes nothing', async () => {
    const p = prefix();
    const src = tree(['a.jpg']);
    const bad = path.join(src.dir, 'bad.jsonl');
    writeFileSync(bad, `{"uri":"${src.uri}a.jpg"}\n{"uri":"s3://bucket/../etc/passwd"}\n`);
    const csvNoHeader = path.join(src.dir, 'bad.csv');
    writeFileSync(csvNoHeader, `path\n${src.uri}a.jpg\n`);
    const base = { sources: [src.uri], labels: ['cat', 'dog'], output: out() };
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['no labels', { labels: [] }, /label/],
      ['duplicate labels', { labels: ['cat', 'cat '] }, /duplicate label "cat"/],
      ['blank label', { labels: ['cat', '  '] }, /label #2 is empty/],
      ['100,000 labels', { labels: Array.from({ length: 100_000 }, (_, i) => `l${i}`) }, /at most 10000/],
      ['1 MB label', { labels: ['x'.repeat(1_000_000)] }, /longer than 1000/],
      ['unknown option', { colour: 'red' }, /unknown option\(s\): colour/],
      ['bad scheme', { sources: ['ftp://host/a.jpg'] }, /unsupported scheme "ftp:"/],
      ['traversal', { sources: ['s3://bucket/a/../../secret.jpg'] }, /segment "\.\." is not allowed/],
      ['relative file', { sources: ['file://images/a.jpg'] }, /absolute path/],
      ['output traversal', { output: 's3://bucket/out/../../other' }, /--output.*"\.\."/],
      ['output bad bucket', { output: 's3://../x' }, /--output.*bucket name/],
      ['no output', { output: '' }, /--output/],
      ['bad chunk size', { chunkSize: 0 }, /--chunk-size must be at least 1/],
      ['bad mode', { mode: 'fuzzy' }, /--mode must be one of softmax, sigmoid, multilabel/],
      ['bad threshold', { threshold: 2 }, /--threshold must be between 0 and 1/],
      ['bad template', { templates: ['no placeholder'] }, /must contain \{\}/],
      ['bad ensemble', { ensemble: 'nope' }, /unknown template ensemble "nope"/],
      ['bad run id', { runId: '../x' }, /--run-id must match/],
      ['no sources', { sources: [] }, /nothing to enqueue/],
      [
        'bad manifest line',
        { sources: undefined, manifest: `file://${bad}` },
        /line 2: .*"\.\." is not allowed/,
      ],
      ['csv without uri column', { sources: undefined, manifest: `file://${csvNoHeader}` }, /"uri" column/],
      [
        'missing manifest',
        { sources: undefined, manifest: `file://${src.dir}/none.jsonl` },
        /does not exist/,
      ],
      [
        'empty listing',
        { sources: [`${src.uri}a.jpg/`] },
        /no images found|not found|ENOTDIR: not a directory/,
      ],
      ['listing filtered to nothing', { extensions: ['png'] }, /no images found/],
      ['incremental without schedule', { incremental: true }, /--incremental only applies to schedules/],
    ];
    for (const [name, patch, re] of cases) {
      await assert.rejects(
        enqueueRun({ ...base, ...patch } as never, { redisUrl: suite.server.url, prefix: p }),
        (err: Error) => {
          const storageNotFound = (err as { code?: string }).code === 'STORAGE_NOT_FOUND';
          assert.ok(err instanceof UsageError || storageNotFound, `${name}: expected UsageError, got ${err}`);
          assert.match(err.message, re, name);
          return true;
        },
        name,
      );
    }
    assert.deepEqual(await keysUnder(suite.redis, p), [], 'nothing was written to Redis');
  });
});
