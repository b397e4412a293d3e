export { l2Normalized } from './normalize.js';
export { TextEncoder } from './text-encoder.js';
export { VisionEncoder } from './vision-encoder.js';
