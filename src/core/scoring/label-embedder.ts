import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { l2Normalized } from '../encoders/normalize.js';
import { fillTemplate } from './templates.js';

/** Anything that turns texts into L2-normalized embeddings (the TextEncoder). */
export interface TextEmbedder {
  embed(texts: string[]): Promise<Float32Array[]>;
}

export interface LabelEmbedderOptions {
  /** Part of every cache key, so two models never share an entry. */
  modelId: string;
  /** Labels (per model and template set) kept in memory; default 10,000. */
  cacheSize?: number;
  /** Texts per text-encoder call; default 128. */
  textBatchSize?: number;
}

export interface LabelCacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * Label → text embedding, averaged over the templates (the CLIP paper's prompt ensemble: mean of the
 * normalized embeddings, renormalized). An LRU keyed by (model id, template set, label) means a label set is
 * encoded once; concurrent callers asking for the same missing label share one encoding.
 */
export class LabelEmbedder {
  private readonly cache: LRUCache<string, Float32Array>;
  private readonly inflight = new Map<string, Promise<Float32Array>>();
  private readonly templateKeys = new Map<string, string>();
  private readonly textBatchSize: number;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly text: TextEmbedder,
    private readonly opts: LabelEmbedderOptions,
  ) {
    this.cache = new LRUCache({ max: opts.cacheSize ?? 10_000 });
    this.textBatchSize = opts.textBatchSize ?? 128;
  }

  stats(): LabelCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.cache.size };
  }

  async embedLabels(labels: string[], templates: string[]): Promise<Float32Array[]> {
    if (templates.length === 0) throw new Error('embedLabels needs at least one template');
    const prefix = `${this.opts.modelId}\u0000${this.templatesKey(templates)}\u0000`;
    const toEncode = new Map<string, string>(); // key → label, each missing label once
    for (const label of labels) {
      const key = prefix + label;
      if (this.cache.has(key) || this.inflight.has(key)) this.hits++;
      else if (!toEncode.has(key)) {
        toEncode.set(key, label);
        this.misses++;
      }
    }
    if (toEncode.size > 0) {
      const batch = this.encode([...toEncode.values()], templates);
      [...toEncode.keys()].forEach((key, j) => {
        const p = batch.then((embs) => embs[j] as Float32Array);
        this.inflight.set(key, p);
        p.then(
          (emb) => {
            this.cache.set(key, emb);
            this.inflight.delete(key);
          },
          () => this.inflight.delete(key),
        );
      });
    }
    // Every key is now either cached or being encoded (no await since the checks above).
    const out = labels.map((label) => {
      const key = prefix + label;
      return this.cache.get(key) ?? (this.inflight.get(key) as Promise<Float32Array>);
    });
    return Promise.all(out);
  }

  /** Encodes label × template prompts in bounded text batches and averages per label. */
  private async encode(labels: string[], templates: string[]): Promise<Float32Array[]> {
    const prompts: string[] = [];
    for (const label of labels) for (const t of templates) prompts.push(fillTemplate(t, label));
    const embs: Float32Array[] = [];
    for (let i = 0; i < prompts.length; i += this.textBatchSize) {
      embs.push(...(await this.text.embed(prompts.slice(i, i + this.textBatchSize))));
    }
    const n = templates.length;
    return labels.map((_, li) => meanNormalized(embs.slice(li * n, li * n + n)));
  }

  private templatesKey(templates: string[]): string {
    const joined = templates.join('\u0000');
    let key = this.templateKeys.get(joined);
    if (!key) {
      key = createHash('sha256').update(joined).digest('base64url').slice(0, 22);
      if (this.templateKeys.size > 1000) this.templateKeys.clear();
      this.templateKeys.set(joined, key);
    }
    return key;
  }
}

/** Mean of unit vectors, renormalized to unit length. One vector is returned as is. */
export function meanNormalized(vectors: Float32Array[]): Float32Array {
  const first = vectors[0];
  if (!first) throw new Error('meanNormalized needs at least one vector');
  if (vectors.length === 1) return first;
  const sum = new Float32Array(first.length);
  for (const v of vectors)
    for (let d = 0; d < sum.length; d++) sum[d] = (sum[d] as number) + (v[d] as number);
  return l2Normalized(sum, 0, sum.length);
}
