import type { Job } from 'bullmq';
import type { RunStore } from '../runs/index.js';

/** Thrown instead of writing when this worker no longer owns the chunk or the run is already finalized. */
export class FencedError extends Error {
  override name = 'FencedError';
}

/** Run states after which nothing of the run may be written any more. */
const FINAL_STATES: ReadonlySet<string> = new Set(['completed', 'failed']);

/**
 * Checked right before a chunk writes anything: the job's lock must still carry this worker's token (it
 * lapses when the process was paused or starved past --lock-duration-ms, and stall recovery may have given
 * the chunk to another worker), and the run must not be finalized (_SUMMARY.json is the last write of a
 * run). Extending the lock is the check: BullMQ's extendLock answers 0 when the token no longer holds it.
 */
export async function assertStillOwner(
  job: Job,
  token: string | undefined,
  lockDurationMs: number,
  runs: Pick<RunStore, 'state'>,
  runId: string,
): Promise<void> {
  if (token !== undefined && (await job.extendLock(token, lockDurationMs)) !== 1) {
    throw new FencedError(`chunk job ${job.id}: its lock has lapsed and another worker may own it now`);
  }
  const state: string | undefined = await runs.state(runId);
  if (state !== undefined && FINAL_STATES.has(state)) {
    throw new FencedError(`run ${runId} is already finalized (${state})`);
  }
}
