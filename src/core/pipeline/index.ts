export { type BatchEvent, DEFAULT_BATCH_SIZE, type ImageEmbeddingBatcherOptions } from './batcher-options.js';
export { type BatchEmbedder, ImageEmbeddingBatcher } from './image-embedding-batcher.js';
export { forEachConcurrent, mapConcurrent } from './map-concurrent.js';
export { Semaphore } from './semaphore.js';
