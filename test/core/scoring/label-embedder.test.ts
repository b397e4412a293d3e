import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TextEncoder } from '../../../src/core/encoders/index.js';
import { loadModelSpec } from '../../../src/core/model/index.js';
import { LabelEmbedder, resolveTemplates } from '../../../src/core/scoring/index.js';
import { TINY_MODEL_DIR } from '../../support/fixtures.js';

/** Counts what reaches the real text encoder. */
class CountingEncoder {
  calls = 0;
  texts = 0;
  constructor(private readonly inner: TextEncoder) {}
  embed(texts: string[]) {
    this.calls++;
    this.texts += texts.length;
    return this.inner.embed(texts);
  }
}

describe('LabelEmbedder (real text encoder, tiny model)', () => {
  let text: TextEncoder;
  before(async () => {
    text = await TextEncoder.create(await loadModelSpec(TINY_MODEL_DIR), {
      providers: ['cpu'],
      intraOpThreads: 1,
    });
  });
  after(() => text.dispose());

  it('encodes a label set once; later calls hit the cache', async () => {
    const counting = new CountingEncoder(text);
    const emb = new LabelEmbedder(counting, { modelId: 'm' });
    const templates = resolveTemplates();
    const first = await emb.embedLabels(['cat', 'dog'], templates);
    const again = await emb.embedLabels(['dog', 'cat'], templates);
    assert.equal(counting.texts, 2);
    assert.equal(again[0], first[1]);
    assert.deepEqual(emb.stats(), { hits: 2, misses: 2, size: 2 });
    // a new template set or a new model id is a different key
    await emb.embedLabels(['cat'], ['a {}']);
    assert.equal(counting.texts, 3);
  });

  it('concurrent requests for the same labels share one encoding', async () => {
    const counting = new CountingEncoder(text);
    const emb = new LabelEmbedder(counting, { modelId: 'm' });
    const [a, b] = await Promise.all([
      emb.embedLabels(['cat', 'dog'], ['{}']),
      emb.embedLabels(['dog', 'bird'], ['{}']),
    ]);
    assert.equal(counting.texts, 3);
    assert.equal(a[1], b[0]);
  });

  it('ensemble = renormalized mean of the per-template embeddings', async () => {
    const emb = new LabelEmbedder(text, { modelId: 'm' });
    const templates = ['a photo of a {}.', 'a drawing of a {}.', 'itap of a {}.'];
    const [ensemble] = await emb.embedLabels(['fox'], templates);
    const parts = await text.embed(templates.map((t) => t.replace('{}', 'fox')));
    const mean = new Float32Array(parts[0]?.length ?? 0);
    for (const p of parts)
      for (let d = 0; d < p.length; d++) mean[d] = (mean[d] as number) + (p[d] as number) / parts.length;
    const norm = Math.hypot(...mean);
    assert.ok(ensemble);
    for (let d = 0; d < ensemble.length; d++)
      assert.ok(Math.abs((ensemble[d] as number) - (mean[d] as number) / norm) < 1e-5);
    assert.ok(Math.abs(Math.hypot(...(ensemble ?? [])) - 1) < 1e-5);
  });

  it('1,000 labels × 1 template are encoded in bounded text batches', async () => {
    const counting = new CountingEncoder(text);
    const emb = new LabelEmbedder(counting, { modelId: 'm', textBatchSize: 256 });
    const labels = Array.from({ length: 1000 }, (_, i) => `object number ${i}`);
    const out = await emb.embedLabels(labels, ['{}']);
    assert.equal(out.length, 1000);
    assert.equal(counting.calls, 4);
  });
});
