import { ImageError, isRetryableCode, ZeroshotError } from '../core/errors/index.js';
import { sleep } from './sleep.js';

/** How long, and how many times, ONE image may be fetched before it becomes an error line. */
export interface FetchBudget {
  /** One deadline for the whole fetch of an image: every attempt, backoff and body byte included. */
  deadlineMs: number;
  /** Attempts for errors marked retryable (5xx, throttling, resets that outlasted the storage retries). */
  attempts: number;
  /** First backoff; doubled per attempt. Default 250 ms. */
  baseDelayMs?: number;
}

/** True when trying the same image again may succeed. */
export function isRetryable(err: unknown): boolean {
  return err instanceof ZeroshotError && (err.retryable || isRetryableCode(err.code));
}

/**
 * Runs `fetchOnce` under the image's budget: retryable errors are tried again (bounded, with backoff), and
 * the whole thing ends at the deadline even when a body trickles in one byte at a time: then it fails with
 * IMAGE_FETCH_FAILED (not retryable). Other errors and the last retryable one are thrown as they are; the
 * error policy turns them into the image's error line. `outer` (worker shutdown) aborts without a verdict.
 */
export async function fetchWithBudget<T>(
  uri: string,
  budget: FetchBudget,
  outer: AbortSignal | undefined,
  fetchOnce: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  // One controller per image, its timer and listener removed at the end: nothing accumulates on the
  // worker's long-lived shutdown signal, whatever the number of images.
  const ctl = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    ctl.abort(new DOMException(`deadline of ${budget.deadlineMs} ms`, 'TimeoutError'));
  }, budget.deadlineMs);
  const onOuter = () => ctl.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  const deadlineError = (cause: unknown) =>
    new ImageError(
      'IMAGE_FETCH_FAILED',
      `${uri}: not read within the ${budget.deadlineMs} ms deadline (--image-fetch-timeout-ms / ZEROSHOT_IMAGE_FETCH_TIMEOUT_MS)`,
      { cause },
    );
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetchOnce(ctl.signal);
      } catch (err) {
        if (outer?.aborted) throw err;
        if (expired) throw deadlineError(err);
        if (!isRetryable(err) || attempt >= budget.attempts) throw err;
      }
      await sleep((budget.baseDelayMs ?? 250) * 2 ** (attempt - 1), ctl.signal);
      if (outer?.aborted) throw outer.reason;
      if (expired) throw deadlineError(undefined);
    }
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}
