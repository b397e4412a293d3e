import type { ErrorCode } from './codes.js';
import { ZeroshotError, type ZeroshotErrorOptions } from './zeroshot-error.js';

type ModelErrorCode = Extract<ErrorCode, `MODEL_${string}` | 'PROVIDER_UNAVAILABLE' | 'INFERENCE_FAILED'>;

/** The model or its runtime is unusable. A worker that hits this at start-up exits before taking jobs. */
export class ModelError extends ZeroshotError {
  constructor(code: ModelErrorCode, message: string, options?: ZeroshotErrorOptions) {
    super(code, message, options);
  }
}
