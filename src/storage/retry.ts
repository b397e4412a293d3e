import { StorageError } from './storage-error.js';
import type { RetryInfo } from './types.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Called before sleeping for each retry. */
  onRetry: (info: RetryInfo) => void;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** "Full jitter" exponential backoff: random(0, min(max, base * 2^attempt)). */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return Math.round(Math.random() * cap);
}

/**
 * Runs `fn` until it succeeds, a permanent error occurs, or `maxAttempts` is reached. `classify` turns any
 * thrown value into a StorageError; only STORAGE_TRANSIENT ones are retried. The one retry policy of the
 * storage layer: the SDK's own retries are off so that attempts are bounded and counted here.
 */
export async function withRetry<T>(
  operation: string,
  uri: string,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  classify: (err: unknown) => StorageError,
  fn: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      const mapped = classify(err);
      if (!mapped.retryable) throw mapped;
      if (attempt >= policy.maxAttempts) {
        throw new StorageError(
          'STORAGE_TRANSIENT',
          `${mapped.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
          {
            cause: mapped.cause ?? mapped,
            uri,
            ...(mapped.status === undefined ? {} : { status: mapped.status }),
          },
        );
      }
      const delayMs = backoffDelayMs(attempt, policy.baseDelayMs, policy.maxDelayMs);
      policy.onRetry({ operation, uri, attempt, delayMs, error: mapped });
      await sleep(delayMs, signal);
    }
  }
}
