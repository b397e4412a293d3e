import { Job } from 'bullmq';
import { jobIds } from '../jobs/index.js';
import type { Logger } from '../observability/logger.js';
import type { RunState } from '../runs/index.js';
import type { ProducerContext } from './deps.js';
import { closeAll, runQueue } from './queues.js';

/**
 * Keeps Redis bounded for huge listings: while more than `maxPending` chunks of this run are queued but
 * unfinished, the producer waits for workers instead of adding more. Returns the run's state when it is no
 * longer running (cancelled, or failed because the producer's lease lapsed): the caller stops listing.
 */
export async function waitForRoom(
  ctx: ProducerContext,
  runId: string,
  maxPending: number,
  log: Logger,
  pollMs = 1_000,
): Promise<Exclude<RunState, 'running'> | undefined> {
  const queue = runQueue(ctx);
  let told = false;
  try {
    for (;;) {
      const state = await ctx.runs.state(runId);
      if (state && state !== 'running') return state;
      const parent = await Job.fromId(queue, jobIds.run(runId));
      const pending = parent
        ? ((await parent.getDependenciesCount({ unprocessed: true })).unprocessed ?? 0)
        : 0;
      if (pending <= maxPending) return undefined;
      if (!told) {
        log.info({ pending, maxPending }, 'enough chunks queued: waiting for workers before listing more');
        told = true;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await closeAll(queue);
  }
}
