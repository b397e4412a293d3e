import { jobIds } from '../jobs/index.js';
import { logger } from '../observability/logger.js';
import { type ProducerContext, type ProducerDeps, withContext } from './deps.js';
import { chunkQueue, closeAll } from './queues.js';

export interface CancelResult {
  runId: string;
  /** false when the run had already completed or been cancelled. */
  cancelled: boolean;
  state: string;
  /** Chunk jobs removed before any worker took them. */
  removed: number;
}

const PENDING = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'wait']);

/**
 * Removes the chunk jobs of a run that no worker has started (waiting, delayed, prioritized). Removing a
 * child releases the parent once nothing is pending, so the run still finalizes (as cancelled). Active
 * chunks finish on their own: the worker sees the state and writes nothing.
 */
export async function removePendingChunks(ctx: ProducerContext, runId: string): Promise<number> {
  const chunks = await ctx.runs.chunkCount(runId);
  const queue = chunkQueue(ctx);
  let removed = 0;
  try {
    for (let start = 0; start < chunks; start += 200) {
      const ids = Array.from({ length: Math.min(200, chunks - start) }, (_, i) =>
        jobIds.chunk(runId, start + i),
      );
      const results = await Promise.all(
        ids.map(async (id) => {
          const job = await queue.getJob(id).catch(() => undefined); // data not JSON: left to the worker
          if (!job || !PENDING.has(await job.getState())) return 0;
          try {
            await job.remove();
            return 1;
          } catch {
            return 0; // taken by a worker meanwhile: it will see the cancelled state
          }
        }),
      );
      removed += results.reduce<number>((a, b) => a + b, 0);
    }
  } finally {
    await closeAll(queue);
  }
  return removed;
}

/** Cancels a run: `state=cancelled`, pending chunk jobs removed; finalize then writes a cancelled summary. */
export async function cancelRun(runId: string, deps?: ProducerDeps): Promise<CancelResult> {
  return withContext(deps, async (ctx) => {
    const run = await ctx.runs.require(runId, { lite: true });
    if (run.state !== 'running') return { runId, cancelled: false, state: run.state, removed: 0 };
    await ctx.runs.cancel(runId);
    const removed = await removePendingChunks(ctx, runId);
    logger().child({ runId }).info({ removed }, 'run cancelled');
    return { runId, cancelled: true, state: 'cancelled', removed };
  });
}
