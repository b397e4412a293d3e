import { ZeroshotError, type ZeroshotErrorOptions } from './zeroshot-error.js';

/** The caller passed something invalid (an option, a label set). The CLI maps it to exit status 2. */
export class UsageError extends ZeroshotError {
  constructor(
    code: 'INVALID_OPTION' | 'INVALID_LABELS' | 'RUN_ID_CONFLICT',
    message: string,
    options?: ZeroshotErrorOptions,
  ) {
    super(code, message, options);
  }
}
