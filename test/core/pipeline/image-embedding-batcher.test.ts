import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { VisionEncoder } from '../../../src/core/encoders/index.js';
import { ImageError, ModelError, UsageError } from '../../../src/core/errors/index.js';
import { loadModelSpec } from '../../../src/core/model/index.js';
import { type BatchEvent, ImageEmbeddingBatcher } from '../../../src/core/pipeline/index.js';
import { ImagePreprocessor } from '../../../src/core/preprocess/index.js';
import type { ModelSpec } from '../../../src/core/types.js';
import { PHOTO_CORPUS_SIZE, photoCorpus, TINY_MODEL_DIR } from '../../support/fixtures.js';
import { textNamedJpeg, truncatedJpeg } from '../../support/images.js';

/** The real preprocessor, recording how many decodes and accepted images overlap. */
class ObservedPreprocessor extends ImagePreprocessor {
  decoding = 0;
  maxDecoding = 0;
  maxInFlight = 0;
  batcher: ImageEmbeddingBatcher | undefined;
  override async preprocessInto(data: Buffer, target: Float32Array, offset: number): Promise<void> {
    this.decoding++;
    this.maxDecoding = Math.max(this.maxDecoding, this.decoding);
    this.maxInFlight = Math.max(this.maxInFlight, this.batcher?.inFlight ?? 0);
    try {
      await super.preprocessInto(data, target, offset);
    } finally {
      this.decoding--;
    }
  }
}

const photos = photoCorpus().map((f) => readFileSync(f));

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('ImageEmbeddingBatcher (real sharp + ORT, tiny model)', () => {
  let spec: ModelSpec;
  let vision: VisionEncoder;
  /** Reference: each photo preprocessed and embedded alone (batch of 1). */
  const reference: Float32Array[] = [];

  before(async () => {
    spec = await loadModelSpec(TINY_MODEL_DIR);
    vision = await VisionEncoder.create(spec, { providers: ['cpu'], intraOpThreads: 1 });
    const pre = new ImagePreprocessor(spec.preprocess);
    for (const photo of photos) {
      const [emb] = await vision.embed(await pre.preprocess(photo), 1);
      reference.push(emb as Float32Array);
    }
  });
  after(() => vision.dispose());

  it('embeds the photo corpus in batches, each result matching the photo embedded alone', async () => {
    const events: BatchEvent[] = [];
    const batcher = new ImageEmbeddingBatcher(new ImagePreprocessor(spec.preprocess), vision, {
      batchSize: 8,
      onBatch: (e) => events.push(e),
    });
    const embs = await Promise.all(photos.map((p) => batcher.embed(p)));
    await batcher.close();
    embs.forEach((e, i) => {
      assert.ok(maxDiff(e, reference[i] as Float32Array) < 1e-4, `photo ${i}`);
    });
    assert.equal(
      events.reduce((s, e) => s + e.size, 0),
      PHOTO_CORPUS_SIZE,
    );
    assert.ok(
      events.every((e) => e.size <= 8),
      'no batch over batchSize',
    );
    assert.ok(
      events.some((e) => e.size === 8),
      `some batches are full: ${events.map((e) => e.size)}`,
    );
  });

  it('a bad image rejects only its own promise; the others are unaffected', async () => {
    const batcher = new ImageEmbeddingBatcher(new ImagePreprocessor(spec.preprocess), vision, {
      batchSize: 4,
    });
    const inputs = [
      photos[0],
      truncatedJpeg(),
      photos[1],
      Buffer.alloc(0),
      photos[2],
      textNamedJpeg(),
      photos[3],
    ];
    const settled = await Promise.allSettled(inputs.map((d) => batcher.embed(d as Buffer)));
    await batcher.close();
    const codes = settled.map((s) => (s.status === 'rejected' ? (s.reason as ImageError).code : 'ok'));
    assert.deepEqual(codes, [
      'ok',
      'IMAGE_CORRUPT',
      'ok',
      'IMAGE_EMPTY',
      'ok',
      'IMAGE_UNSUPPORTED_FORMAT',
      'ok',
    ]);
    for (const s of settled) if (s.status === 'rejected') assert.ok(s.reason instanceof ImageError);
    [0, 2, 4, 6].forEach((at, k) => {
      const s = settled[at] as PromiseFulfilledResult<Float32Array>;
      assert.ok(maxDiff(s.value, reference[k] as Float32Array) < 1e-4, `input ${at}`);
    });
  });

  it('bounds decodes and images in flight (back-pressure, not buffering)', async () => {
    const pre = new ObservedPreprocessor(spec.preprocess);
    const batcher = new ImageEmbeddingBatcher(pre, vision, {
      batchSize: 2,
      maxInFlight: 3,
      decodeConcurrency: 2,
    });
    pre.batcher = batcher;
    const pending = photos.slice(0, 20).map((p) => batcher.embed(p));
    assert.ok(batcher.waiting >= 15, `callers wait for a slot: ${batcher.waiting}`);
    await Promise.all(pending);
    await batcher.close();
    assert.ok(pre.maxDecoding <= 2, `decodes at once: ${pre.maxDecoding}`);
    assert.ok(pre.maxInFlight <= 3, `in flight: ${pre.maxInFlight}`);
    assert.equal(batcher.inFlight, 0);
  });

  it('a lone image is sent at once, without waiting for maxWaitMs', async () => {
    const batcher = new ImageEmbeddingBatcher(new ImagePreprocessor(spec.preprocess), vision, {
      batchSize: 32,
      maxWaitMs: 10_000,
    });
    const started = Date.now();
    const emb = await batcher.embed(photos[0] as Buffer);
    assert.ok(Date.now() - started < 5000);
    assert.ok(maxDiff(emb, reference[0] as Float32Array) < 1e-4);
    await batcher.close();
  });

  it('close() answers pending images, then refuses new ones', async () => {
    const batcher = new ImageEmbeddingBatcher(new ImagePreprocessor(spec.preprocess), vision, {
      batchSize: 4,
    });
    const pending = photos.slice(0, 6).map((p) => batcher.embed(p));
    await batcher.close();
    assert.equal((await Promise.all(pending)).length, 6);
    await assert.rejects(batcher.embed(photos[0] as Buffer), ModelError);
  });

  it('validates its options', () => {
    const pre = new ImagePreprocessor(spec.preprocess);
    assert.throws(() => new ImageEmbeddingBatcher(pre, vision, { batchSize: 0 }), /batchSize/);
    assert.throws(() => new ImageEmbeddingBatcher(pre, vision, { maxWaitMs: -1 }), /maxWaitMs/);
    assert.throws(() => new ImageEmbeddingBatcher(pre, vision, { decodeConcurrency: 1.5 }), UsageError);
  });
});
