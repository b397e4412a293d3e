import { LRUCache } from 'lru-cache';
import type { RunSpec } from '../jobs/index.js';
import type { WorkerClassifier } from './worker-classifier.js';

/** Text embeddings of a run's label set, one per label, in the spec's label order. */
export interface LabelEmbeddingSource {
  forRun(spec: RunSpec): Promise<Float32Array[]>;
}

export function templateOptions(spec: RunSpec) {
  return {
    ...(spec.templates ? { templates: spec.templates } : {}),
    ...(spec.ensemble ? { ensemble: spec.ensemble } : {}),
  };
}

/**
 * Memoizes per run (a chunk's jobs all share one promise), so a label set is encoded once per process even
 * when several chunks of the same run start together. Failed encodings are not memoized.
 */
export class MemoizedLabelEmbeddings implements LabelEmbeddingSource {
  private readonly memo: LRUCache<string, Promise<Float32Array[]>>;

  constructor(
    private readonly compute: (spec: RunSpec) => Promise<Float32Array[]>,
    maxRuns = 32,
  ) {
    this.memo = new LRUCache({ max: maxRuns });
  }

  forRun(spec: RunSpec): Promise<Float32Array[]> {
    const key = spec.runId;
    const cached = this.memo.get(key);
    if (cached) return cached;
    const p = this.compute(spec);
    p.catch(() => {
      if (this.memo.peek(key) === p) this.memo.delete(key);
    });
    this.memo.set(key, p);
    return p;
  }
}

/** Fallback source: the engine's own embedTexts (with its in-process LRU). */
export function classifierLabelEmbeddings(classifier: WorkerClassifier): LabelEmbeddingSource {
  return new MemoizedLabelEmbeddings((spec) => classifier.embedTexts(spec.labels, templateOptions(spec)));
}
