import type { ErrorCode } from './codes.js';
import { ZeroshotError, type ZeroshotErrorOptions } from './zeroshot-error.js';

type ImageErrorCode = Extract<ErrorCode, `IMAGE_${string}`>;

/** One image could not be used. Never fatal for a batch or a job: it becomes that image's error line. */
export class ImageError extends ZeroshotError {
  constructor(code: ImageErrorCode, message: string, options?: ZeroshotErrorOptions) {
    super(code, message, options);
  }
}
