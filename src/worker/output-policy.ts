import { UnrecoverableError } from 'bullmq';
import type { Logger } from '../observability/logger.js';
import { StorageError } from '../storage/index.js';
import { sleep } from './sleep.js';

/** Errno codes of an output that someone (or time) can fix: permissions, read-only remounts, full disks. */
const OUTAGE_OS_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EBUSY',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'EINTR',
  'ETIMEDOUT',
]);

/**
 * True when a failed result write is an outage to wait out: transient storage errors (5xx, throttling,
 * timeouts, resets) and file-system errors that can clear (see OUTAGE_OS_CODES). Everything else is
 * permanent and fails the chunk at once: a missing or forbidden bucket, ENOTDIR (the output lies below a
 * regular file), an invalid URI.
 */
export function isOutputOutage(err: unknown): boolean {
  if (!(err instanceof StorageError)) return false;
  if (err.retryable) return true;
  return err.osCode !== undefined && OUTAGE_OS_CODES.has(err.osCode);
}

export interface OutputRetry {
  /** How long an outage is waited out (--output-retry-ms). */
  budgetMs: number;
  log: Logger;
  /** Stops waiting (worker shutdown): the last error is thrown. */
  signal?: AbortSignal;
  /** Backoff cap between tries. Default 10 s. */
  maxDelayMs?: number;
}

/**
 * Runs a result write, waiting out outages for `budgetMs` (backoff doubling from 250 ms up to
 * `maxDelayMs`). A permanent storage failure throws an UnrecoverableError naming the real cause (code and
 * errno); the job fails at once. When the budget is spent the last error is thrown (BullMQ may retry the job).
 * Errors that are not StorageErrors (a fence) are thrown as they are.
 */
export async function writeOutput<T>(what: string, retry: OutputRetry, write: () => Promise<T>): Promise<T> {
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (err instanceof StorageError && !isOutputOutage(err)) {
        throw new UnrecoverableError(`cannot write ${what}: ${err.code}: ${err.message}`);
      }
      const left = retry.budgetMs - (Date.now() - start);
      if (!isOutputOutage(err) || left <= 0 || retry.signal?.aborted) throw err;
      const delayMs = Math.min(left, retry.maxDelayMs ?? 10_000, 250 * 2 ** (attempt - 1));
      retry.log.warn(
        { err: (err as Error).message, attempt, delayMs, leftMs: left },
        `cannot write ${what} yet (outage?): retrying`,
      );
      await sleep(delayMs, retry.signal);
    }
  }
}
