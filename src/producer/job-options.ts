import type { JobsOptions } from 'bullmq';
import { ENQUEUE_DEFAULTS } from './options.js';

const HOUR = 3_600;
const DAY = 24 * HOUR;

/**
 * Retention: completed chunk jobs go after a day (their results are in storage and their counts in the
 * parent), failed ones stay two weeks so `zeroshot failed` / `retry` can still see them.
 */
export const RETENTION = {
  chunkCompleted: { age: DAY, count: 100_000 },
  chunkFailed: { age: 14 * DAY, count: 1_000_000 },
  runCompleted: { age: 30 * DAY, count: 10_000 },
  runFailed: { age: 30 * DAY, count: 10_000 },
} as const;

export function chunkJobOptions(o: { attempts?: number; priority?: number }): JobsOptions {
  return {
    attempts: o.attempts ?? ENQUEUE_DEFAULTS.attempts,
    backoff: { type: 'exponential', delay: ENQUEUE_DEFAULTS.backoffMs },
    ...(o.priority ? { priority: o.priority } : {}),
    ignoreDependencyOnFailure: true,
    removeOnComplete: RETENTION.chunkCompleted,
    removeOnFail: RETENTION.chunkFailed,
  };
}

export function finalizeJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    attempts: 10,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: RETENTION.runCompleted,
    removeOnFail: RETENTION.runFailed,
  };
}
