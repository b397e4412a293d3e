import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/core/errors/index.js';
import { dot, meanNormalized, scoreLabels, sigmoid, softmax } from '../../../src/core/scoring/index.js';

function unit(...v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
}

const image = unit(1, 0.2, 0);
const labels = ['cat', 'dog', 'car'];
const embs = [unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)];
const clip = { logitScale: 100, logitBias: 0 } as const;

describe('scoreLabels', () => {
  it('softmax scores sum to 1 and are sorted by descending score', () => {
    const out = scoreLabels(image, embs, labels, clip);
    assert.equal(out.length, 3);
    const sum = out.reduce((s, l) => s + l.score, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `sum ${sum}`);
    assert.deepEqual(
      out.map((l) => l.label),
      ['cat', 'dog', 'car'],
    );
    for (let i = 1; i < out.length; i++) assert.ok((out[i - 1]?.score ?? 0) >= (out[i]?.score ?? 0));
  });

  it('softmax equals exp(scale·cos) normalized', () => {
    const out = scoreLabels(image, embs, labels, { logitScale: 10, logitBias: 0 });
    const cos = embs.map((e) => dot(image, e));
    const exps = cos.map((c) => Math.exp(10 * c));
    const z = exps.reduce((a, b) => a + b, 0);
    for (const { label, score } of out) {
      assert.ok(Math.abs(score - (exps[labels.indexOf(label)] as number) / z) < 1e-6);
    }
  });

  it('sigmoid: independent per-label sigmoid(scale·cos + bias)', () => {
    const out = scoreLabels(image, embs, labels, { logitScale: 10, logitBias: -5, mode: 'sigmoid' });
    for (const { label, score } of out) {
      const cos = dot(image, embs[labels.indexOf(label)] as Float32Array);
      assert.ok(Math.abs(score - 1 / (1 + Math.exp(-(10 * cos - 5)))) < 1e-9);
    }
    assert.ok(out.reduce((s, l) => s + l.score, 0) !== 1);
  });

  it('SigLIP models default to sigmoid, CLIP to softmax', () => {
    const siglip = scoreLabels(image, embs, labels, { logitScale: 10, logitBias: -5, modelType: 'siglip' });
    const sig = scoreLabels(image, embs, labels, { logitScale: 10, logitBias: -5, mode: 'sigmoid' });
    assert.deepEqual(siglip, sig);
  });

  it('top-k keeps the k best', () => {
    const out = scoreLabels(image, embs, labels, { ...clip, topK: 2 });
    assert.deepEqual(
      out.map((l) => l.label),
      ['cat', 'dog'],
    );
    assert.equal(scoreLabels(image, embs, labels, { ...clip, topK: 10 }).length, 3);
  });

  it('multilabel keeps labels at or above the threshold (sigmoid for SigLIP)', () => {
    const opts = { logitScale: 10, logitBias: -5, modelType: 'siglip' as const, mode: 'multilabel' as const };
    const all = scoreLabels(image, embs, labels, { ...opts, threshold: 0 });
    assert.equal(all.length, 3);
    const some = scoreLabels(image, embs, labels, { ...opts, threshold: 0.5 });
    assert.ok(some.every((l) => l.score >= 0.5));
    assert.deepEqual(
      some.map((l) => l.label),
      ['cat'],
    );
    assert.equal(scoreLabels(image, embs, labels, { ...opts, threshold: 1 }).length, 0);
  });

  it('ties keep the label order', () => {
    const out = scoreLabels(unit(0, 0, 1), [unit(1, 0, 0), unit(0, 1, 0)], ['a', 'b'], clip);
    assert.deepEqual(
      out.map((l) => l.label),
      ['a', 'b'],
    );
    assert.equal(out[0]?.score, 0.5);
  });

  it('rejects bad options and mismatched inputs', () => {
    assert.throws(() => scoreLabels(image, embs, labels, { ...clip, topK: 0 }), /topK/);
    assert.throws(() => scoreLabels(image, embs, labels, { ...clip, threshold: 2 }), /threshold/);
    assert.throws(() => scoreLabels(image, embs, labels, { ...clip, mode: 'max' as 'softmax' }), UsageError);
    assert.throws(() => scoreLabels(image, embs, ['a'], clip), /2|3/);
    assert.throws(() => scoreLabels(image, [unit(1, 0)], ['a'], clip), /dimensions/);
  });
});

describe('maths helpers', () => {
  it('softmax is stable for large logits', () => {
    const s = softmax(Float64Array.from([1000, 1000, -1000]));
    assert.ok(Math.abs((s[0] as number) - 0.5) < 1e-12);
    assert.equal(s[2], 0);
  });
  it('sigmoid is stable at both ends', () => {
    assert.equal(sigmoid(0), 0.5);
    assert.ok(sigmoid(-800) >= 0 && sigmoid(-800) < 1e-300);
    assert.equal(sigmoid(800), 1);
  });
  it('meanNormalized: ensemble = normalized mean of unit vectors', () => {
    const m = meanNormalized([unit(1, 0), unit(0, 1)]);
    assert.ok(Math.abs((m[0] as number) - Math.SQRT1_2) < 1e-6);
    assert.ok(Math.abs((m[1] as number) - Math.SQRT1_2) < 1e-6);
    assert.ok(Math.abs(Math.hypot(...m) - 1) < 1e-6);
  });
});
