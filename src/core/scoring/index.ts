export { IMAGENET_80_TEMPLATES } from './imagenet-templates.js';
export {
  type LabelCacheStats,
  LabelEmbedder,
  type LabelEmbedderOptions,
  meanNormalized,
  type TextEmbedder,
} from './label-embedder.js';
export { MAX_LABEL_LENGTH, MAX_LABELS, validateLabels } from './labels.js';
export {
  DEFAULT_THRESHOLD,
  dot,
  type ScoreParams,
  scoreLabels,
  sigmoid,
  softmax,
  validateScoreOptions,
} from './score.js';
export { DEFAULT_TEMPLATE, fillTemplate, resolveTemplates, TEMPLATE_PRESETS } from './templates.js';
