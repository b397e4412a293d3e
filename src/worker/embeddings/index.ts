/**
 * Embedding reuse for the worker (issue 3: "re-labeling without re-decoding", "text embeddings shared
 * through Redis").
 *
 * Usage in the worker (one of each per worker process, created after the classifier is loaded):
 *
 *   const texts = new SharedTextEmbeddings({ redis, prefix, modelId: classifier.info.id,
 *     embedTexts: (labels, t) => classifier.embedTexts(labels, t), metrics, logger });
 *   const store = createEmbeddingStore({ storage, redis, prefix, modelId: classifier.info.id,
 *     dim: classifier.info.projectionDim, logger, metrics });
 *
 *   // per chunk
 *   const labelEmb = await texts.getLabelEmbeddings(spec.labels, { templates: spec.templates, ensemble: spec.ensemble });
 *   const reused = spec.reuseEmbeddings ? await store.lookup(payload.images) : payload.images.map(() => undefined);
 *   //   images with reused[i] skip fetch, decode and the vision encoder entirely;
 *   //   the others: storage.get → classifier.embedImage(body) (keep the ETag that get() returned).
 *   //   every image: classifier.score(embedding, labelEmb, spec.labels, { mode, topK, threshold }).
 *   if (spec.storeEmbeddings) // before writing part-<chunk>.jsonl, so a written part implies stored embeddings
 *     await store.writePack(spec.output, spec.runId, payload.index, rows);   // rows: { uri, etag, embedding }[]
 *
 * Layout: pack `<output>/<runId>/embeddings/part-<chunk 6 digits>.f16` (see pack-format.ts); index: Redis hash
 * `keys(prefix).embeddingIndex(modelId)`, field `<uri>\n<etag>` → `<pack uri>#<row>` (no TTL: one field per
 * image version stored, ~150 bytes each). Text embeddings: `keys(prefix).textEmbedding(sha256)` float32 LE, TTL 7 d.
 *
 * Pass reused rows to writePack too: the index then points at this run's pack, so older outputs can be deleted.
 * Only images with an ETag are stored or reused. A missing or corrupt pack, a changed ETag, another model or
 * an unreachable index are misses (the image is embedded again), never errors.
 */

export {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  readFloat16LE,
  writeFloat16LE,
} from '../../core/runtime/float16.js';
export {
  createEmbeddingStore,
  type EmbeddingStore,
  type EmbeddingStoreOptions,
  type ImageRef,
  indexField,
  type StoredRow,
} from './embedding-store.js';
export { decodePack, encodePack, type PackView, rowKey } from './pack-format.js';
export { SharedTextEmbeddings, type SharedTextEmbeddingsOptions } from './shared-text-embeddings.js';
