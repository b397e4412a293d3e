export { DEFAULT_DECODE_MEMORY_BYTES, DecodeBudget, decodeCost } from './decode-budget.js';
export { DEFAULT_IMAGE_LIMITS, type ImageLimits, resolveImageLimits } from './image-limits.js';
export {
  type IccProfiles,
  ImagePreprocessor,
  type ImagePreprocessorOptions,
  type ResizeMode,
  validateIccProfiles,
  validateResizeMode,
} from './image-preprocessor.js';
export { pilBicubicResize } from './pil-resample.js';
export { planResize, type ResizePlan } from './resize-plan.js';
