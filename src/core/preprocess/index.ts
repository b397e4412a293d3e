export { DEFAULT_IMAGE_LIMITS, type ImageLimits, resolveImageLimits } from './image-limits.js';
export {
  ImagePreprocessor,
  type ImagePreprocessorOptions,
  type ResizeMode,
  validateResizeMode,
} from './image-preprocessor.js';
export { planResize, type ResizePlan } from './resize-plan.js';
