import { Job, type Queue } from 'bullmq';
import { ZeroshotError } from '../core/errors/index.js';
import { jobIds } from '../jobs/index.js';
import { logger } from '../observability/logger.js';
import { type ProducerContext, type ProducerDeps, withContext } from './deps.js';
import { chunkQueue, closeAll, runQueue } from './queues.js';

export interface FailedChunk {
  index: number;
  jobId: string;
  failedReason: string;
  attemptsMade: number;
  /** Images in the chunk (when the job is still stored). */
  images?: number;
  finishedOn?: string;
}

/** A chunk job, or undefined when it is gone or its stored data is not JSON (a poison job stays failed). */
const readJob = (queue: Queue, jobId: string) => Job.fromId(queue, jobId).catch(() => undefined);

const indexOf = (jobId: string) => Number(/-chunk-(\d+)$/.exec(jobId)?.[1] ?? -1);

async function failedOf(ctx: ProducerContext, runId: string): Promise<FailedChunk[]> {
  const runs = runQueue(ctx);
  const chunks = chunkQueue(ctx);
  try {
    const parent = await Job.fromId(runs, jobIds.run(runId));
    let entries: Array<[string, string | undefined]>;
    if (parent) {
      // Failures the parent ignored (children added with ignoreDependencyOnFailure): job key → reason.
      const ignored = await parent.getIgnoredChildrenFailures();
      entries = Object.entries(ignored).map(([key, reason]) => [key.slice(key.lastIndexOf(':') + 1), reason]);
    } else {
      // The parent is gone (retention): scan the chunk ids of the run instead.
      const n = await ctx.runs.chunkCount(runId);
      entries = [];
      for (let i = 0; i < n; i++) {
        const id = jobIds.chunk(runId, i);
        if ((await chunks.getJobState(id)) === 'failed') entries.push([id, undefined]);
      }
    }
    const out: FailedChunk[] = [];
    for (const [jobId, reason] of entries) {
      const job = await readJob(chunks, jobId);
      const data = job?.data as { images?: unknown[] } | undefined;
      out.push({
        index: indexOf(jobId),
        jobId,
        failedReason: job?.failedReason || reason || 'unknown',
        attemptsMade: job?.attemptsMade ?? 0,
        ...(Array.isArray(data?.images) ? { images: data.images.length } : {}),
        ...(job?.finishedOn ? { finishedOn: new Date(job.finishedOn).toISOString() } : {}),
      });
    }
    return out.sort((a, b) => a.index - b.index);
  } finally {
    await closeAll(runs, chunks);
  }
}

/** Chunks of a run that failed after all their attempts, with BullMQ's failedReason. */
export async function listFailedChunks(runId: string, deps?: ProducerDeps): Promise<FailedChunk[]> {
  return withContext(deps, async (ctx) => {
    await ctx.runs.require(runId, { lite: true });
    return failedOf(ctx, runId);
  });
}

export interface RetryResult {
  runId: string;
  /** Chunk jobs moved back to waiting. */
  retried: number;
  /** The finalize job was re-queued (the run had already finished) so it writes a new summary. */
  refinalized: boolean;
}

/**
 * Re-queues the failed chunks of a run with fresh attempts. Each retried chunk goes back into its parent's
 * pending dependencies; if the run had already finalized, the run becomes `running` again and its finalize
 * job is re-queued: it waits for the retried chunks (moveToWaitingChildren) and rewrites `_SUMMARY.json`.
 */
export async function retryFailedChunks(runId: string, deps?: ProducerDeps): Promise<RetryResult> {
  return withContext(deps, async (ctx) => {
    const run = await ctx.runs.require(runId, { lite: true });
    if (run.state === 'cancelled') {
      throw new ZeroshotError(
        'RUN_CANCELLED',
        `run ${runId} was cancelled; enqueue it again under a new run id`,
      );
    }
    const failed = await failedOf(ctx, runId);
    if (failed.length === 0) return { runId, retried: 0, refinalized: false };
    const runs = runQueue(ctx);
    const chunks = chunkQueue(ctx);
    const log = logger().child({ runId });
    try {
      const parent = await Job.fromId(runs, jobIds.run(runId));
      if (!parent) {
        throw new ZeroshotError(
          'RUN_NOT_FOUND',
          `the finalize job of run ${runId} no longer exists (retention); enqueue the images again under a new run id`,
        );
      }
      const parentState = await parent.getState();
      if (parentState === 'completed' || parentState === 'failed') {
        await ctx.runs.reopen(runId);
      }
      let retried = 0;
      for (const f of failed) {
        const job = await readJob(chunks, f.jobId);
        if (!job || (await job.getState()) !== 'failed') continue;
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried++;
      }
      let refinalized = false;
      if (parentState === 'completed' || parentState === 'failed') {
        await parent.retry(parentState, { resetAttemptsMade: true, resetAttemptsStarted: true });
        refinalized = true;
      }
      log.info({ retried, refinalized }, 'failed chunks re-queued');
      return { runId, retried, refinalized };
    } finally {
      await closeAll(runs, chunks);
    }
  });
}
