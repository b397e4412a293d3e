import type { ErrorCode } from '../core/errors/codes.js';
import { ZeroshotError } from '../core/errors/zeroshot-error.js';

export type StorageErrorCode = Extract<ErrorCode, `STORAGE_${string}`>;

/**
 * A storage operation failed. `retryable` is true only for `STORAGE_TRANSIENT` (5xx, throttling, timeouts,
 * resets that outlasted the backend's own bounded retries): a job hitting it may be retried later.
 * Messages name the URI and the cause, never credentials.
 */
export class StorageError extends ZeroshotError {
  declare readonly code: StorageErrorCode;
  /** The URI the operation was about, when there was one. */
  readonly uri: string | undefined;
  /** HTTP status of the last response, when the backend is HTTP based. */
  readonly status: number | undefined;
  /** The operating system's error code (ENOTDIR, EROFS, EACCES...), when the backend is the file system. */
  readonly osCode: string | undefined;

  constructor(
    code: StorageErrorCode,
    message: string,
    options: { cause?: unknown; uri?: string; status?: number; osCode?: string } = {},
  ) {
    super(code, message, { cause: options.cause, retryable: code === 'STORAGE_TRANSIENT' });
    this.uri = options.uri;
    this.status = options.status;
    this.osCode = options.osCode;
  }
}
