import { UnrecoverableError } from 'bullmq';
import { type ErrorInfo, ImageError, toErrorInfo, ZeroshotError } from '../core/errors/index.js';
import { isRetryable } from './fetch-budget.js';

/**
 * What a failure while handling ONE image means for its job:
 * - `image`: only this image is bad → an error line, the job goes on. Every read failure ends here once the
 *   image's own retry budget is spent (see fetch-budget.ts): denied, missing, archived, too large, not a
 *   regular file, cut off, 5xx after retries, past its deadline. `transient` marks the retryable ones, so a
 *   chunk where EVERY image failed transiently (an outage, not a bad object) is retried as a whole.
 * - `retry`: the job throws and BullMQ retries it (the model failing, unknown errors);
 * - `fatal`: the whole job can never succeed → UnrecoverableError (see output-policy.ts for writes).
 */
export type Verdict =
  | { kind: 'image'; info: ErrorInfo; transient?: boolean }
  | { kind: 'retry' }
  | { kind: 'fatal'; reason: string };

/** Storage failure of an image READ → the code of that image's error line. */
const READ_CODES: Record<string, ErrorInfo['code']> = {
  STORAGE_NOT_FOUND: 'IMAGE_NOT_FOUND',
  STORAGE_BUCKET_NOT_FOUND: 'IMAGE_NOT_FOUND',
  STORAGE_ACCESS_DENIED: 'IMAGE_ACCESS_DENIED',
  STORAGE_ARCHIVED: 'IMAGE_ARCHIVED',
  STORAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  STORAGE_NOT_REGULAR_FILE: 'IMAGE_NOT_REGULAR_FILE',
  STORAGE_OUTSIDE_ROOTS: 'IMAGE_OUTSIDE_ROOTS',
};

export function judgeImageError(err: unknown): Verdict {
  if (err instanceof ImageError) {
    return { kind: 'image', info: err.toJSON(), ...(err.retryable ? { transient: true } : {}) };
  }
  if (err instanceof ZeroshotError) {
    if (err.code === 'INFERENCE_FAILED') return { kind: 'retry' };
    if (err.code.startsWith('STORAGE_')) {
      const code = READ_CODES[err.code] ?? 'IMAGE_FETCH_FAILED';
      return {
        kind: 'image',
        info: { code, message: err.message },
        ...(isRetryable(err) ? { transient: true } : {}),
      };
    }
    return { kind: 'image', info: err.toJSON() };
  }
  // Unknown errors (bugs, sockets closing): retrying the job is the safe default; it never duplicates output.
  return { kind: 'retry' };
}

/** Message for the job's failedReason: code first so `zeroshot failed` can group by it. */
export function unrecoverable(code: string, message: string): UnrecoverableError {
  return new UnrecoverableError(`${code}: ${message}`);
}

export { toErrorInfo };
