export { ERROR_CODES, type ErrorCode, isRetryableCode, RETRYABLE_CODES } from './codes.js';
export { ImageError } from './image-error.js';
export { ModelError } from './model-error.js';
export { UsageError } from './usage-error.js';
export { type ErrorInfo, toErrorInfo, ZeroshotError, type ZeroshotErrorOptions } from './zeroshot-error.js';
