import type { Job } from 'bullmq';
import type { RunStore } from '../runs/index.js';

/** Thrown instead of writing when this worker no longer owns the chunk or the run is already finalized. */
export class FencedError extends Error {
  override name = 'FencedError';
}

/**
 * Checked right before a chunk writes anything: the job's lock must still carry this worker's token (it
 * lapses when the process was paused or starved past --lock-duration-ms, and stall recovery may have given
 * the chunk to another worker), and the run must not be finalized or being finalized (_SUMMARY.json is the
 * last write of a run). Extending the lock is the check: BullMQ's extendLock answers 0 when the token no longer holds it.
 */
export async function assertStillOwner(
  job: Job,
  token: string | undefined,
  lockDurationMs: number,
  runs: Pick<RunStore, 'closedForWrites'>,
  runId: string,
): Promise<void> {
  if (token !== undefined && (await job.extendLock(token, lockDurationMs)) !== 1) {
    throw new FencedError(`chunk job ${job.id}: its lock has lapsed and another worker may own it now`);
  }
  const closed = await runs.closedForWrites(runId);
  if (closed) throw new FencedError(`run ${runId} is ${closed}`);
}
