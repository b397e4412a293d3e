import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createRedis, keys } from '../../src/jobs/index.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { enqueueRun } from '../../src/producer/index.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import { stagePhotos } from '../support/fixtures.js';
import { countByImage, readParts, waitForSummary, workerSuite } from './helpers.js';

const PREFIX = '{zreuse}';
const FIRST_LABELS = ['a fish', 'a dog', 'a bird', 'a vehicle', 'food'];
const NEW_LABELS = ['an animal in water', 'a musical instrument', 'a building', 'a tool', 'a plant', 'a toy'];

/** Real file:// storage; counts reads of the source photos to prove the re-labeling run never fetched one. */
function countingStorage(inner: Storage, photosDir: () => string) {
  const counter = { photoGets: 0 };
  const storage: Storage = {
    list: (u, o) => inner.list(u, o),
    get: (u, o) => {
      if (u.startsWith(`file://${photosDir()}/`)) counter.photoGets++;
      return inner.get(u, o);
    },
    head: (u) => inner.head(u),
    put: (u, b, o) => inner.put(u, b, o),
    delete: (u) => inner.delete(u),
    close: () => inner.close(),
  };
  return { storage, counter };
}

describe('re-labeling with stored image embeddings (--store-embeddings / --reuse-embeddings)', () => {
  let out: string;
  let photos: string;
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const counted = countingStorage(createStorage(), () => photos);
  const suite = workerSuite('emb-reuse', PREFIX, {
    concurrency: 2,
    batchSize: 8,
    finalizeRetryMs: 200,
    storage: counted.storage,
    registry,
  });

  const stageCount = async (stage: string) => {
    const h = await metrics.stageDuration.get();
    return h.values.find((v) => v.metricName?.endsWith('_count') && v.labels.stage === stage)?.value ?? 0;
  };

  const run = async (
    runId: string,
    labels: string[],
    flags: { storeEmbeddings?: boolean; reuseEmbeddings?: boolean },
  ) => {
    const photoGets = counted.counter.photoGets;
    const fetches = await stageCount('fetch');
    const embeds = await stageCount('embed');
    const t0 = performance.now();
    const res = await enqueueRun(
      {
        sources: [`file://${photos}/`],
        labels,
        output: `file://${out}/`,
        runId,
        chunkSize: 16,
        topK: labels.length, // every label's score is compared below (enqueue keeps 5 by default)
        ...flags,
      },
      { redisUrl: suite.redis.url, prefix: PREFIX, storage: counted.storage, env: {} },
    );
    assert.equal(res.images, 49);
    const summary = await waitForSummary(out, runId);
    const ms = performance.now() - t0;
    const { lines } = readParts(out, runId);
    return {
      summary,
      lines,
      ms,
      photoGets: counted.counter.photoGets - photoGets,
      fetches: (await stageCount('fetch')) - fetches,
      embeds: (await stageCount('embed')) - embeds,
    };
  };

  before(() => {
    out = path.join(suite.dir, 'out');
    // A private copy of the 49 photos, so one can be changed (new ETag) between runs.
    photos = path.join(suite.dir, 'photos');
    stagePhotos(photos);
  });

  after(() => counted.storage.close());

  it('stores float16 packs next to the results, then re-labels without fetching, decoding or the vision encoder', async () => {
    const first = await run('first', FIRST_LABELS, { storeEmbeddings: true });
    assert.equal(first.lines.length, 49);
    assert.equal(first.summary.counts.ok, 49);
    assert.equal(first.photoGets, 49);
    assert.equal(first.embeds, 49);
    const packs = readdirSync(path.join(out, 'first', 'embeddings')).sort();
    assert.deepEqual(packs, ['part-000000.f16', 'part-000001.f16', 'part-000002.f16', 'part-000003.f16']);
    const r = createRedis(suite.redis.url);
    const indexed = await r.hlen(keys(PREFIX).embeddingIndex(suite.worker.model!.id));
    await r.quit();
    assert.equal(indexed, 49);

    const relabel = await run('relabel', NEW_LABELS, { reuseEmbeddings: true });
    assert.equal(relabel.lines.length, 49, 'same number of result lines');
    const counts = countByImage(relabel.lines);
    assert.equal(counts.size, 49);
    for (const line of first.lines) assert.equal(counts.get(line.image), 1, line.image);
    assert.equal(relabel.summary.counts.ok, 49);
    assert.equal(relabel.photoGets, 0, 'no image was fetched');
    assert.equal(relabel.fetches, 0, 'no fetch stage ran');
    assert.equal(relabel.embeds, 0, 'no decode / vision inference ran');
    assert.ok(
      !existsSync(path.join(out, 'relabel', 'embeddings')),
      'nothing stored without --store-embeddings',
    );

    // The same labels on freshly decoded images: scores agree within float16 tolerance.
    const fresh = await run('fresh', NEW_LABELS, {});
    assert.equal(fresh.photoGets, 49);
    assert.equal(fresh.embeds, 49);
    const freshBy = new Map(fresh.lines.map((l) => [l.image, l]));
    let maxDiff = 0;
    for (const line of relabel.lines) {
      const ref = freshBy.get(line.image);
      assert.ok(ref?.labels, line.image);
      assert.equal(line.etag, ref.etag);
      assert.equal(line.labels.length, NEW_LABELS.length);
      const refScores = new Map<string, number>(
        ref.labels.map((l: { label: string; score: number }) => [l.label, l.score]),
      );
      for (const { label, score } of line.labels) {
        const diff = Math.abs(score - (refScores.get(label) as number));
        maxDiff = Math.max(maxDiff, diff);
      }
    }
    assert.ok(maxDiff < 1e-3, `scores from stored float16 embeddings differ by at most ${maxDiff}`);
    process.stderr.write(
      `# first pass ${first.ms.toFixed(0)} ms, re-labeling ${relabel.ms.toFixed(0)} ms, fresh ${fresh.ms.toFixed(0)} ms; max score diff ${maxDiff.toExponential(2)}\n`,
    );
  });

  it('a changed image (new ETag) is fetched and embedded again; the others are reused', async () => {
    const files = readdirSync(photos).sort();
    const [changed, donor] = [files[0] as string, files[1] as string];
    copyFileSync(path.join(photos, donor), path.join(photos, changed)); // new bytes, new size and mtime
    const labels = ['a red thing', 'a blue thing', 'a green thing'];
    const relabel = await run('relabel-changed', labels, { reuseEmbeddings: true });
    assert.equal(relabel.lines.length, 49);
    assert.equal(relabel.photoGets, 1, 'only the changed image was fetched');
    assert.equal(relabel.embeds, 1, 'only the changed image went through the vision encoder');
    const byImage = new Map(relabel.lines.map((l) => [l.image, l]));
    const a = byImage.get(`file://${path.join(photos, changed)}`);
    const b = byImage.get(`file://${path.join(photos, donor)}`);
    // The changed image now has the donor's bytes: fresh float32 vs stored float16 embeddings agree.
    const scoresB = new Map<string, number>(
      b.labels.map((l: { label: string; score: number }) => [l.label, l.score]),
    );
    for (const { label, score } of a.labels)
      assert.ok(Math.abs(score - (scoresB.get(label) as number)) < 1e-3, label);
  });
});
