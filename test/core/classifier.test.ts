import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Classifier,
  createClassifier,
  ImageError,
  type ImageResult,
  ModelError,
  UsageError,
} from '../../src/core/index.js';
import { PHOTO_NAMES, photoPath, TINY_MODEL_DIR, TINY_MODEL_ID } from '../support/fixtures.js';
import { pngHeaderOnly, textNamedJpeg, truncatedJpeg } from '../support/images.js';

const photoPaths = PHOTO_NAMES.map(photoPath);
const LABELS = ['fish', 'bird', 'dog', 'car', 'volcano'];

function assertScored(
  r: ImageResult | undefined,
  n: number,
): asserts r is { image: string; labels: { label: string; score: number }[] } {
  assert.ok(r && 'labels' in r, `expected labels, got ${JSON.stringify(r)}`);
  assert.equal(r.labels.length, n);
  for (let i = 1; i < r.labels.length; i++)
    assert.ok((r.labels[i - 1]?.score ?? 0) >= (r.labels[i]?.score ?? 0));
}

describe('createClassifier / classify (tiny model, real ORT and sharp)', () => {
  let classifier: Classifier;
  let dir: string;
  const warnings: string[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zs-classifier-'));
    writeFileSync(path.join(dir, 'empty.jpg'), Buffer.alloc(0));
    writeFileSync(path.join(dir, 'truncated.jpg'), truncatedJpeg());
    writeFileSync(path.join(dir, 'text.jpg'), textNamedJpeg());
    writeFileSync(path.join(dir, 'huge.png'), pngHeaderOnly(20_000, 20_000));
    classifier = await createClassifier({
      model: TINY_MODEL_DIR,
      providers: ['cpu'],
      intraOpThreads: 1,
      onWarning: (m) => warnings.push(m),
    });
  });
  after(async () => {
    await classifier.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports what it loaded', () => {
    assert.deepEqual(
      { ...classifier.info },
      {
        id: TINY_MODEL_ID,
        dir: TINY_MODEL_DIR,
        modelType: 'clip',
        dtype: 'fp32',
        provider: 'cpu',
        projectionDim: 32,
        imageSize: 224,
        logitScale: 100,
        logitBias: 0,
      },
    );
  });

  it('classifies the fixture photos: every label scored, softmax sums to 1, input order kept', async () => {
    assert.ok(photoPaths.length >= 10);
    const results = await classifier.classify(photoPaths, LABELS);
    assert.deepEqual(
      results.map((r) => r.image),
      photoPaths,
    );
    for (const r of results) {
      assertScored(r, LABELS.length);
      assert.ok(Math.abs(r.labels.reduce((s, l) => s + l.score, 0) - 1) < 1e-6);
      assert.deepEqual(new Set(r.labels.map((l) => l.label)), new Set(LABELS));
    }
  });

  it('bad images become error results with specific codes; the rest are still classified', async () => {
    const inputs = [
      photoPaths[0] as string,
      path.join(dir, 'missing.jpg'),
      path.join(dir, 'empty.jpg'),
      path.join(dir, 'truncated.jpg'),
      path.join(dir, 'text.jpg'),
      path.join(dir, 'huge.png'),
      photoPaths[1] as string,
    ];
    const results = await classifier.classify(inputs, LABELS, { topK: 2 });
    const codes = results.map((r) => ('error' in r ? r.error.code : 'ok'));
    assert.deepEqual(codes, [
      'ok',
      'IMAGE_NOT_FOUND',
      'IMAGE_EMPTY',
      'IMAGE_CORRUPT',
      'IMAGE_UNSUPPORTED_FORMAT',
      'IMAGE_TOO_MANY_PIXELS',
      'ok',
    ]);
    assertScored(results[0], 2);
    assertScored(results[6], 2);
    for (const r of results) if ('error' in r) assert.ok(r.error.message.length > 0);
  });

  it('accepts Buffers (named buffer:<i>) and http URLs', async () => {
    const photo = readFileSync(photoPaths[2] as string);
    const server = http.createServer((_req, res) => res.end(photo));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/p.jpg`;
      const [a, b, c] = await classifier.classify([photo, url, photoPaths[2] as string], LABELS);
      assert.equal(a?.image, 'buffer:0');
      assert.equal(b?.image, url);
      assertScored(a, 5);
      assertScored(b, 5);
      assertScored(c, 5);
      assert.deepEqual(a.labels, c.labels);
      assert.deepEqual(b.labels, c.labels);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('embedImage + embedTexts + score reproduce classify', async () => {
    const photo = readFileSync(photoPaths[3] as string);
    const [viaClassify] = await classifier.classify([photo], LABELS, { topK: 3 });
    const image = await classifier.embedImage(photo);
    const texts = await classifier.embedTexts(LABELS);
    assert.equal(image.length, 32);
    assert.deepEqual(
      viaClassify && 'labels' in viaClassify ? viaClassify.labels : null,
      classifier.score(image, texts, LABELS, { topK: 3 }),
    );
    const [emb, err] = await classifier.embedImages([photo, Buffer.from('nope')]);
    assert.deepEqual(emb, image);
    assert.equal((err as { code: string }).code, 'IMAGE_UNSUPPORTED_FORMAT');
    await assert.rejects(classifier.embedImage(Buffer.alloc(0)), ImageError);
  });

  it('templates and the imagenet80 ensemble change the label embeddings; the label set is cached', async () => {
    const before = classifier.stats().textCache;
    const plain = await classifier.embedTexts(['fish']);
    const ensemble = await classifier.embedTexts(['fish'], { ensemble: 'imagenet80' });
    const custom = await classifier.embedTexts(['fish'], { templates: ['a {} underwater'] });
    assert.notDeepEqual(plain, ensemble);
    assert.notDeepEqual(plain, custom);
    await classifier.embedTexts(['fish'], { ensemble: 'imagenet80' });
    const after = classifier.stats().textCache;
    assert.ok(after.hits > before.hits);
  });

  it('sigmoid and multilabel modes', async () => {
    const [sig] = await classifier.classify([photoPaths[0] as string], LABELS, { mode: 'sigmoid' });
    assertScored(sig, 5);
    assert.ok(sig.labels.every((l) => l.score >= 0 && l.score <= 1));
    const [multi] = await classifier.classify([photoPaths[0] as string], LABELS, {
      mode: 'multilabel',
      threshold: 0.2,
    });
    assert.ok(multi && 'labels' in multi && multi.labels.every((l) => l.score >= 0.2));
  });

  it('1,000 labels work', async () => {
    const labels = Array.from({ length: 1000 }, (_, i) => `thing number ${i}`);
    const [r] = await classifier.classify([photoPaths[0] as string], labels, { topK: 5 });
    assertScored(r, 5);
  });

  it('a label over 77 tokens still works, with a warning', async () => {
    const long = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const [r] = await classifier.classify([photoPaths[0] as string], ['cat', long]);
    assertScored(r, 2);
    assert.ok(
      warnings.some((w) => /77|truncat/i.test(w)),
      `warnings: ${JSON.stringify(warnings)}`,
    );
  });

  it('empty, blank and duplicate labels are usage errors', async () => {
    await assert.rejects(classifier.classify([photoPaths[0] as string], []), UsageError);
    await assert.rejects(classifier.classify([photoPaths[0] as string], ['cat', ' ']), /blank/);
    await assert.rejects(
      classifier.classify([photoPaths[0] as string], ['cat', 'dog', 'cat']),
      /duplicate label "cat"/,
    );
    await assert.rejects(classifier.classify([photoPaths[0] as string], ['cat'], { topK: 0 }), /topK/);
  });
});

describe('createClassifier failures', () => {
  it('a directory that is not a model → ModelError naming the file', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'zs-nomodel-'));
    try {
      await assert.rejects(createClassifier({ model: empty, providers: ['cpu'] }), (err: unknown) => {
        assert.ok(err instanceof ModelError);
        assert.match(err.message, /config\.json/);
        return true;
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
  it('bad options are usage errors naming the option, raised before the model is even looked up', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ resize: 'slow' }, /resize/],
      [{ batchSize: 0 }, /batchSize/],
      [{ maxWaitMs: -1 }, /maxWaitMs/],
      [{ providers: ['gpu'] }, /providers/],
      [{ dtype: 'fp8' }, /dtype/],
      [{ limits: { maxPixels: 0 } }, /maxPixels/],
      [{ textCacheSize: 0 }, /textCacheSize/],
    ];
    for (const [opts, re] of bad) {
      await assert.rejects(createClassifier({ model: '/does/not/exist', ...opts }), (err: unknown) => {
        assert.ok(err instanceof UsageError, `${JSON.stringify(opts)}: ${String(err)}`);
        assert.match(err.message, re);
        return true;
      });
    }
  });
  it('a closed classifier refuses work', async () => {
    const c = await createClassifier({ model: TINY_MODEL_DIR, providers: ['cpu'], intraOpThreads: 1 });
    await c.close();
    await c.close();
    await assert.rejects(c.classify([photoPaths[0] as string], ['a']), ModelError);
  });
});
