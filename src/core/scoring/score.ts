import { UsageError } from '../errors/index.js';
import type { LabelScore, ModelType, ScoreMode, ScoreOptions } from '../types.js';

export interface ScoreParams extends ScoreOptions {
  /** Multiplier of the cosine similarity (CLIP: 100). */
  logitScale: number;
  /** Added after scaling (SigLIP); 0 for CLIP. */
  logitBias: number;
  /** Picks the default mode and the multilabel activation: softmax for clip, sigmoid for siglip. */
  modelType?: ModelType;
}

const MODES: readonly ScoreMode[] = ['softmax', 'sigmoid', 'multilabel'];
export const DEFAULT_THRESHOLD = 0.5;

/** Checks `mode`, `topK` and `threshold`, naming the bad option and the allowed values. */
export function validateScoreOptions(opts: ScoreOptions = {}): void {
  if (opts.mode !== undefined && !MODES.includes(opts.mode)) {
    throw new UsageError(
      'INVALID_OPTION',
      `mode must be one of ${MODES.join(', ')}, got ${String(opts.mode)}`,
    );
  }
  if (opts.topK !== undefined && !(Number.isSafeInteger(opts.topK) && opts.topK >= 1)) {
    throw new UsageError('INVALID_OPTION', `topK must be a positive integer, got ${String(opts.topK)}`);
  }
  if (
    opts.threshold !== undefined &&
    !(typeof opts.threshold === 'number' && opts.threshold >= 0 && opts.threshold <= 1)
  ) {
    throw new UsageError(
      'INVALID_OPTION',
      `threshold must be a number from 0 to 1, got ${String(opts.threshold)}`,
    );
  }
}

/**
 * Scores one image embedding against label embeddings (all L2-normalized): logit = scale · cos + bias, then
 * `softmax` over the labels (CLIP: one label per image), `sigmoid` per label (SigLIP: independent scores) or
 * `multilabel` (the model's own activation — sigmoid for SigLIP, softmax for CLIP — keeping labels whose
 * score ≥ threshold). Sorted by descending score (ties keep label order), then cut to `topK`.
 */
export function scoreLabels(
  image: Float32Array,
  labelEmbeddings: Float32Array[],
  labels: string[],
  opts: ScoreParams,
): LabelScore[] {
  validateScoreOptions(opts);
  if (labelEmbeddings.length !== labels.length) {
    throw new UsageError(
      'INVALID_OPTION',
      `${labels.length} labels but ${labelEmbeddings.length} label embeddings were given`,
    );
  }
  const natural: 'softmax' | 'sigmoid' = opts.modelType === 'siglip' ? 'sigmoid' : 'softmax';
  const mode = opts.mode ?? natural;
  const activation = mode === 'multilabel' ? natural : mode;

  const logits = new Float64Array(labels.length);
  labelEmbeddings.forEach((emb, i) => {
    if (emb.length !== image.length) {
      throw new UsageError(
        'INVALID_OPTION',
        `label embedding ${i} has ${emb.length} dimensions, the image embedding ${image.length}`,
      );
    }
    logits[i] = opts.logitScale * dot(image, emb) + opts.logitBias;
  });
  const scores = activation === 'softmax' ? softmax(logits) : logits.map(sigmoid);

  let out: LabelScore[] = labels.map((label, i) => ({ label, score: scores[i] as number }));
  out.sort((a, b) => b.score - a.score); // Array.prototype.sort is stable
  if (mode === 'multilabel') {
    const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
    out = out.filter((s) => s.score >= threshold);
  }
  return opts.topK === undefined ? out : out.slice(0, opts.topK);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Numerically stable softmax (max subtracted). */
export function softmax(logits: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) if (v > max) max = v;
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
