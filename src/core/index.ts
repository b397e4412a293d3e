/** zeroshot's public engine API: load a CLIP/SigLIP ONNX model and classify images against free-form labels. */
export {
  type Classifier,
  type ClassifierInfo,
  type ClassifierOptions,
  createClassifier,
} from './classifier.js';
export { TextEncoder, VisionEncoder } from './encoders/index.js';
export * from './errors/index.js';
export {
  type HttpSourcePolicy,
  imageName,
  NO_HTTP_SOURCES,
  OPEN_HTTP_SOURCES,
  type ReadImageOptions,
  readImageSource,
} from './io/index.js';
export {
  cacheDir,
  DEFAULT_HUB_MODEL,
  inspectModel,
  type LoadModelSpecOptions,
  loadModelSpec,
  MODEL_DTYPES,
  type ModelReport,
  parseDtype,
  type ResolveModelDirOptions,
  resolveModelDir,
} from './model/index.js';
export {
  type BatchEvent,
  DEFAULT_BATCH_SIZE,
  ImageEmbeddingBatcher,
  type ImageEmbeddingBatcherOptions,
} from './pipeline/index.js';
export {
  DEFAULT_IMAGE_LIMITS,
  type ImageLimits,
  ImagePreprocessor,
  type ImagePreprocessorOptions,
  type ResizeMode,
} from './preprocess/index.js';
export { DEFAULT_PROVIDERS, type RuntimeOptions } from './runtime/index.js';
export {
  DEFAULT_TEMPLATE,
  IMAGENET_80_TEMPLATES,
  type LabelCacheStats,
  LabelEmbedder,
  resolveTemplates,
  scoreLabels,
  TEMPLATE_PRESETS,
  validateLabels,
  validateScoreOptions,
} from './scoring/index.js';
export { ClipTokenizer } from './tokenizer/index.js';
export type * from './types.js';
