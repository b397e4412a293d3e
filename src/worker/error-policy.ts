import { UnrecoverableError } from 'bullmq';
import { type ErrorInfo, ImageError, toErrorInfo, ZeroshotError } from '../core/errors/index.js';

/**
 * What a failure while handling ONE image means for its job:
 * - `image`: only this image is bad → an error line, the job goes on;
 * - `retry`: transient (storage 5xx/throttling/timeouts that outlasted the backend's retries) → the job throws
 *   and BullMQ retries it with exponential backoff;
 * - `fatal`: the whole job can never succeed (bucket missing, access denied) → UnrecoverableError.
 */
export type Verdict =
  | { kind: 'image'; info: ErrorInfo }
  | { kind: 'retry' }
  | { kind: 'fatal'; reason: string };

const FATAL_CODES = new Set(['STORAGE_BUCKET_NOT_FOUND', 'STORAGE_ACCESS_DENIED']);

export function judgeImageError(err: unknown): Verdict {
  if (err instanceof ImageError) return { kind: 'image', info: err.toJSON() };
  if (err instanceof ZeroshotError) {
    if (FATAL_CODES.has(err.code)) return { kind: 'fatal', reason: `${err.code}: ${err.message}` };
    if (err.retryable || err.code === 'STORAGE_TRANSIENT') return { kind: 'retry' };
    if (err.code === 'STORAGE_NOT_FOUND')
      return { kind: 'image', info: { code: 'IMAGE_NOT_FOUND', message: err.message } };
    if (err.code === 'STORAGE_TOO_LARGE')
      return { kind: 'image', info: { code: 'IMAGE_TOO_LARGE', message: err.message } };
    if (err.code.startsWith('STORAGE_')) {
      return { kind: 'image', info: { code: 'IMAGE_FETCH_FAILED', message: err.message } };
    }
    if (err.code === 'INFERENCE_FAILED') return { kind: 'retry' };
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
