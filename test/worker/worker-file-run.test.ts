import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { createRedis, jobIds, keys, PAYLOAD_VERSION, QUEUES } from '../../src/jobs/index.js';
import { PHOTO, PHOTO_CORPUS_SIZE, photoPath } from '../support/fixtures.js';
import {
  completeRun,
  countByImage,
  createRunDirect,
  openQueue,
  readParts,
  samplePhotos,
  sleep,
  startTestWorker,
  waitForSummary,
  workerSuite,
} from './helpers.js';

const PREFIX = '{zstest}';

describe('worker: runs on file:// storage with a real redis-server and the tiny model', {
  timeout: 150_000,
}, () => {
  const suite = workerSuite('worker-run', PREFIX, { concurrency: 3, batchSize: 8, finalizeRetryMs: 200 });
  let dir: string;
  let out: string;
  let badDir: string;

  before(() => {
    dir = suite.dir;
    out = path.join(dir, 'out');
    badDir = path.join(dir, 'images');
    mkdirSync(badDir, { recursive: true });
    writeFileSync(path.join(badDir, 'empty.jpg'), Buffer.alloc(0));
    writeFileSync(path.join(badDir, 'text.jpg'), 'this is not a JPEG at all\n');
    copyFileSync(photoPath(PHOTO), path.join(badDir, 'ok.jpg'));
  });

  it('labels the photo corpus plus bad files: every image exactly once, error lines, _SUMMARY.json', async () => {
    const photos = samplePhotos();
    assert.equal(photos.length, PHOTO_CORPUS_SIZE);
    const bad = ['empty.jpg', 'text.jpg', 'missing.jpg'].map((f) => `file://${path.join(badDir, f)}`);
    const images = [...photos.slice(0, 20), ...bad, ...photos.slice(20)];
    const labels = ['a fish', 'a dog', 'a bird', 'a vehicle', 'food'];
    const { summary, parts, lines } = await completeRun(out, {
      runId: 'full',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      images,
      labels,
      chunkSize: 16,
    });
    assert.deepEqual(parts, [
      'part-000000.jsonl',
      'part-000001.jsonl',
      'part-000002.jsonl',
      'part-000003.jsonl',
    ]);
    assert.equal(lines.length, images.length);
    const counts = countByImage(lines);
    assert.equal(counts.size, images.length);
    for (const uri of images) assert.equal(counts.get(uri), 1, uri);
    // Lines keep the input order inside the chunks.
    assert.deepEqual(
      lines.map((l) => l.image),
      images,
    );

    const byImage = new Map(lines.map((l) => [l.image, l]));
    assert.equal(byImage.get(bad[0]!).error.code, 'IMAGE_EMPTY');
    assert.equal(byImage.get(bad[1]!).error.code, 'IMAGE_UNSUPPORTED_FORMAT');
    assert.equal(byImage.get(bad[2]!).error.code, 'IMAGE_NOT_FOUND');
    for (const uri of photos) {
      const line = byImage.get(uri);
      assert.equal(line.model, suite.worker.model!.id);
      assert.equal(typeof line.etag, 'string');
      assert.deepEqual(line.labels.map((l: { label: string }) => l.label).sort(), [...labels].sort());
      const sum = line.labels.reduce((s: number, l: { score: number }) => s + l.score, 0);
      assert.ok(Math.abs(sum - 1) < 1e-4, `softmax scores sum to 1 (${sum})`);
      for (let i = 1; i < line.labels.length; i++)
        assert.ok(line.labels[i - 1].score >= line.labels[i].score);
    }

    assert.equal(summary.runId, 'full');
    assert.equal(summary.state, 'completed');
    assert.deepEqual(summary.counts, {
      images: PHOTO_CORPUS_SIZE + 3,
      ok: PHOTO_CORPUS_SIZE,
      failed: 3,
      missing: 0,
    });
    assert.deepEqual(summary.failuresByCode, {
      IMAGE_EMPTY: 1,
      IMAGE_UNSUPPORTED_FORMAT: 1,
      IMAGE_NOT_FOUND: 1,
    });
    assert.deepEqual(summary.chunks.failed, []);
    assert.equal(summary.chunks.written, 4);
    assert.equal(summary.model.id, suite.worker.model!.id);
    assert.equal(summary.model.provider, 'cpu');
    assert.deepEqual(summary.labels, labels);
    assert.ok(summary.imagesPerSecond > 0);
    assert.ok(Date.parse(summary.finishedAt) >= Date.parse(summary.startedAt));

    const r = createRedis(suite.redis.url);
    const hash = await r.hgetall(keys(PREFIX).run('full'));
    await r.quit();
    assert.equal(hash.state, 'completed');
    assert.deepEqual(JSON.parse(hash.summary!).counts, summary.counts);
  });

  it('an output below a regular file fails the chunk at once, naming ENOTDIR (permanent, not retried)', async () => {
    const images = samplePhotos().slice(0, 10);
    mkdirSync(path.join(dir, 'retry-out'), { recursive: true });
    writeFileSync(path.join(dir, 'retry-out', 'retry'), 'in the way');
    await createRunDirect({
      runId: 'retry',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${dir}/retry-out/`,
      images,
      chunkSize: 10,
      attempts: 4,
      backoffMs: 1_500,
    });
    const queue = openQueue(suite.redis.url, PREFIX);
    const deadline = Date.now() + 30_000;
    let job = await queue.getJob(jobIds.chunk('retry', 0));
    while (!(await job?.isFailed())) {
      assert.ok(Date.now() < deadline, 'the chunk did not fail');
      await sleep(50);
      job = await queue.getJob(jobIds.chunk('retry', 0));
    }
    await queue.close();
    assert.equal(job!.attemptsStarted, 1, 'not retried: ENOTDIR is permanent');
    assert.match(job!.failedReason, /ENOTDIR: not a directory/);
    assert.doesNotMatch(job!.failedReason, /not found/);
  });

  it('a chunk that fails AFTER writing its part is retried and overwrites it: no duplicate lines', async () => {
    const images = samplePhotos().slice(10, 22);
    const r = createRedis(suite.redis.url);
    // The progress hash is a plain string: HSET fails with WRONGTYPE right after the part is written.
    await r.set(keys(PREFIX).runProgress('dup'), 'in the way');
    const queue = openQueue(suite.redis.url, PREFIX);
    await createRunDirect({
      runId: 'dup',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      chunkSize: 12,
      attempts: 4,
      backoffMs: 1_500,
    });
    const part = path.join(out, 'dup', 'part-000000.jsonl');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const job = await queue.getJob(jobIds.chunk('dup', 0));
      if (job && job.attemptsMade >= 1 && existsSync(part)) break;
      assert.ok(Date.now() < deadline, 'the first attempt did not write its part and fail');
      await sleep(25);
    }
    const firstWrite = statSync(part).mtimeMs;
    await r.del(keys(PREFIX).runProgress('dup'));
    const summary = await waitForSummary(out, 'dup');
    const job = await queue.getJob(jobIds.chunk('dup', 0));
    await queue.close();
    await r.quit();
    assert.ok(job!.attemptsMade >= 2);
    assert.ok(statSync(part).mtimeMs > firstWrite, 'the retry wrote the part again');
    const { lines } = readParts(out, 'dup');
    assert.equal(lines.length, 12);
    assert.equal(countByImage(lines).size, 12);
    assert.deepEqual(summary.counts, { images: 12, ok: 12, failed: 0, missing: 0 });
  });

  it('fails an invalid chunk payload at once (no retries) with a clear reason', async () => {
    const queue = openQueue(suite.redis.url, PREFIX);
    const job = await queue.add(
      'chunk',
      { v: PAYLOAD_VERSION, runId: 'nope', index: 0, images: [{ uri: '../../etc/passwd' }] },
      { jobId: 'bad-payload', attempts: 5, backoff: { type: 'fixed', delay: 10 } },
    );
    const missing = await queue.add(
      'chunk',
      { v: PAYLOAD_VERSION, runId: 'no-such-run', index: 0, images: [{ uri: 'file:///tmp/x.jpg' }] },
      { jobId: 'no-run', attempts: 5 },
    );
    const failed = async (id: string) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const j = await queue.getJob(id);
        if (j && (await j.getState()) === 'failed') return (await queue.getJob(id))!;
        assert.ok(Date.now() < deadline, `${id} did not fail`);
        await sleep(50);
      }
    };
    const j1 = await failed(job.id!);
    assert.equal(j1.attemptsStarted, 1);
    assert.match(j1.failedReason, /^JOB_INVALID_PAYLOAD: .*images\.0\.uri/);
    const j2 = await failed(missing.id!);
    assert.equal(j2.attemptsStarted, 1);
    assert.match(j2.failedReason, /^RUN_NOT_FOUND: run no-such-run does not exist/);
    await queue.close();
  });

  it('a cancelled run writes no part and a cancelled _SUMMARY.json', async () => {
    const r = createRedis(suite.redis.url);
    await r.hset(keys(PREFIX).run('cancelled'), 'state', 'cancelled');
    await createRunDirect({
      runId: 'cancelled',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images: samplePhotos().slice(0, 8),
      chunkSize: 4,
      state: 'cancelled',
    });
    const summary = await waitForSummary(out, 'cancelled');
    assert.equal(summary.state, 'cancelled');
    assert.deepEqual(summary.counts, { images: 8, ok: 0, failed: 0, missing: 8 });
    assert.equal(summary.chunks.cancelled, 2);
    assert.deepEqual(
      readdirSync(path.join(out, 'cancelled')).filter((f) => f.startsWith('part-')),
      [],
    );
    assert.equal(await r.hget(keys(PREFIX).run('cancelled'), 'state'), 'cancelled');
    await r.quit();
  });

  it('finalize waits until the producer seals the run', async () => {
    await createRunDirect({
      runId: 'unsealed',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images: samplePhotos().slice(0, 4),
      chunkSize: 4,
      sealed: false,
    });
    const r = createRedis(suite.redis.url);
    const deadline = Date.now() + 15_000;
    while ((await r.hlen(keys(PREFIX).runProgress('unsealed'))) < 1) {
      assert.ok(Date.now() < deadline, 'the chunk was not processed');
      await sleep(50);
    }
    await sleep(600);
    assert.equal(existsSync(path.join(out, 'unsealed', '_SUMMARY.json')), false, 'no summary before sealing');
    const runs = openQueue(suite.redis.url, PREFIX, QUEUES.runs);
    assert.equal(await (await runs.getJob(jobIds.run('unsealed')))!.getState(), 'delayed');
    await runs.close();
    await r.hset(keys(PREFIX).run('unsealed'), 'sealed', '1');
    await r.quit();
    const summary = await waitForSummary(out, 'unsealed');
    assert.deepEqual(summary.counts, { images: 4, ok: 4, failed: 0, missing: 0 });
  });

  it('--store-embeddings then --reuse-embeddings: the second run needs neither the images nor the vision encoder', async () => {
    const srcDir = path.join(dir, 'reuse-images');
    mkdirSync(srcDir, { recursive: true });
    const images = samplePhotos()
      .slice(0, 12)
      .map((uri) => {
        const to = path.join(srcDir, path.basename(uri));
        copyFileSync(new URL(uri), to);
        return `file://${to}`;
      });
    const labels = ['a fish', 'a bird', 'a dog'];
    await createRunDirect({
      runId: 'store',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images,
      labels,
      chunkSize: 5,
      spec: { storeEmbeddings: true },
    });
    await waitForSummary(out, 'store');
    const first = readParts(out, 'store').lines;
    assert.equal(first.length, 12);
    assert.ok(readdirSync(path.join(out, 'store', 'embeddings')).length >= 3, 'embedding packs are stored');

    // The images disappear: only stored embeddings can label them now.
    renameSync(srcDir, `${srcDir}-gone`);
    await createRunDirect({
      runId: 'reuse',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      output: `file://${out}/`,
      images: first.map((l) => ({ uri: l.image, etag: l.etag })),
      labels,
      chunkSize: 5,
      spec: { reuseEmbeddings: true },
    });
    const summary = await waitForSummary(out, 'reuse');
    assert.deepEqual(summary.counts, { images: 12, ok: 12, failed: 0, missing: 0 });
    const second = readParts(out, 'reuse').lines;
    for (let i = 0; i < first.length; i++) {
      assert.equal(second[i].image, first[i].image);
      const before = new Map(
        first[i].labels.map((l: { label: string; score: number }) => [l.label, l.score]),
      );
      for (const l of second[i].labels) {
        assert.ok(Math.abs(l.score - (before.get(l.label) as number)) < 0.01, `${l.label}: ${l.score}`);
      }
    }
  });

  it('labels http(s) images from allowed hosts only: own content hash, no ETag, no status, no foreign redirect', async () => {
    const photo = readFileSync(photoPath(PHOTO));
    const internal = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg', etag: '"internal-secret"' });
      res.end(photo);
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', () => r()));
    const internalPort = (internal.address() as AddressInfo).port;
    const server = http.createServer((req, res) => {
      if (req.url === '/zebra.jpg') {
        res.writeHead(200, { 'content-type': 'image/jpeg', etag: '"zebra-1"' });
        res.end(photo);
      } else if (req.url === '/moved.jpg') {
        res.writeHead(302, { location: '/zebra.jpg' });
        res.end();
      } else if (req.url === '/elsewhere.jpg') {
        res.writeHead(302, { location: `http://127.0.0.1:${internalPort}/x.jpg` });
        res.end();
      } else if (req.url === '/teapot.jpg') {
        res.writeHead(418);
        res.end('I am a teapot');
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    const allowed = startTestWorker({
      redisUrl: suite.redis.url,
      queuePrefix: '{zshttp}',
      finalizeRetryMs: 200,
      httpSources: [`127.0.0.1:${port}`],
    });
    try {
      await allowed.ready;
      const base = `http://127.0.0.1:${port}`;
      const images = [
        `${base}/zebra.jpg`,
        `${base}/missing.jpg`,
        `${base}/moved.jpg`,
        `${base}/elsewhere.jpg`,
        `${base}/teapot.jpg`,
        `http://127.0.0.1:${internalPort}/x.jpg`,
      ];
      const { summary, lines } = await completeRun(out, {
        runId: 'http',
        redisUrl: suite.redis.url,
        prefix: '{zshttp}',
        images,
      });
      const hash = createHash('sha256').update(photo).digest('hex').slice(0, 32);
      assert.equal(lines[0].etag, `sha256-${hash}`, 'our own content hash, never the ETag header');
      assert.ok(lines[0].labels.length > 0);
      assert.equal(lines[1].error.code, 'IMAGE_NOT_FOUND');
      assert.equal(lines[2].etag, `sha256-${hash}`, 'a same-origin redirect is followed');
      assert.equal(lines[3].error.code, 'IMAGE_SOURCE_FORBIDDEN', 'redirect to another port refused');
      assert.equal(lines[4].error.code, 'IMAGE_FETCH_FAILED');
      assert.equal(lines[5].error.code, 'IMAGE_SOURCE_FORBIDDEN', 'unlisted port refused');
      const text = JSON.stringify(lines);
      const errors = JSON.stringify(lines.map((l) => l.error?.message ?? ''));
      assert.ok(!/418|teapot/i.test(errors), `no HTTP status or body in results: ${errors}`);
      assert.ok(!text.includes('zebra-1') && !text.includes('internal-secret'), 'no response header copied');
      assert.deepEqual(summary.counts, { images: 6, ok: 2, failed: 4, missing: 0 });
    } finally {
      await allowed.close({ timeoutMs: 5_000 });
      server.close();
      internal.close();
    }
  });

  it('http(s) sources are refused by a worker without an allow-list', async () => {
    const { summary, lines } = await completeRun(out, {
      runId: 'http-off',
      redisUrl: suite.redis.url,
      prefix: PREFIX,
      images: ['http://127.0.0.1:1/x.jpg', 'https://example.com/y.jpg'],
    });
    for (const line of lines) assert.equal(line.error.code, 'IMAGE_SOURCE_FORBIDDEN');
    assert.deepEqual(summary.counts, { images: 2, ok: 0, failed: 2, missing: 0 });
  });
});
