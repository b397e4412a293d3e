import { Job } from 'bullmq';
import { jobIds } from '../jobs/index.js';
import { phaseOf, type RunPhase, type RunRecord } from '../runs/run-record.js';
import { type ProducerContext, type ProducerDeps, withContext } from './deps.js';
import { closeAll, runQueue } from './queues.js';

export interface RunStatus {
  runId: string;
  /** `queued` until a worker takes a chunk of the run, then `running`, then how it ended. */
  state: RunPhase;
  /** The producer has finished adding chunks (`chunks.total` is final). */
  sealed: boolean;
  chunks: { total: number; done: number; failed: number; pending: number };
  /** done = scored images, failed = images with an error line; total = images enqueued. */
  images: { total: number; done: number; failed: number };
  /** Images (done + failed) per second since the first chunk started (or the run was created). */
  rate: number;
  /** Seconds left at the current rate, while running. */
  etaSeconds?: number;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  output?: string;
  labels?: number;
  schedule?: string;
  error?: string;
  /** `_SUMMARY.json` content once the run has been finalized. */
  summary?: Record<string, unknown>;
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Chunk counts from the parent job's dependency sets (processed / ignored failures / pending). */
async function chunkCounts(ctx: ProducerContext, runId: string) {
  const queue = runQueue(ctx);
  try {
    const parent = await Job.fromId(queue, jobIds.run(runId));
    if (!parent) return undefined;
    const c = await parent.getDependenciesCount();
    return {
      done: c.processed ?? 0,
      failed: (c.ignored ?? 0) + (c.failed ?? 0),
      pending: c.unprocessed ?? 0,
    };
  } finally {
    await closeAll(queue);
  }
}

/**
 * A run whose producer died after creating it but before adding its first chunk job has no finalize job to
 * end it: whoever looks at it (status, runs, enqueue --wait) fails it once its producer lease has lapsed.
 */
async function endIfOrphaned(ctx: ProducerContext, run: RunRecord): Promise<RunRecord> {
  if (!(await ctx.runs.producerGone(run))) return run;
  const error = 'the producer stopped before adding any chunk job (its lease lapsed): nothing was enqueued';
  await ctx.runs.fail(run.runId, error);
  return { ...run, state: 'failed', sealed: true, error };
}

export async function statusOf(ctx: ProducerContext, found: RunRecord): Promise<RunStatus> {
  const parentCounts = await chunkCounts(ctx, found.runId);
  const run = parentCounts ? found : await endIfOrphaned(ctx, found);
  const summary = parseJson(run.summary);
  const spec = run.output && run.labelCount !== undefined ? undefined : parseJson(run.spec);
  const imgs = await ctx.runs.progressTotals(run.runId);
  const failedInSummary = (summary?.chunks as { failed?: unknown } | undefined)?.failed;
  const counts = parentCounts ?? {
    done: imgs.parts,
    failed: Array.isArray(failedInSummary) ? failedInSummary.length : 0,
    pending: 0,
  };
  const startedAt = run.startedAt ?? run.createdAt;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  const seconds = startedAt ? Math.max(0.001, (end - Date.parse(startedAt)) / 1000) : 0;
  const processed = imgs.done + imgs.failed;
  const rate = seconds > 0 && run.startedAt ? processed / seconds : 0;
  const status: RunStatus = {
    runId: run.runId,
    state: phaseOf(run),
    sealed: run.sealed,
    chunks: { total: run.chunks, ...counts },
    images: { total: run.images, done: imgs.done, failed: imgs.failed },
    rate: Math.round(rate * 100) / 100,
  };
  if (run.state === 'running' && rate > 0 && run.sealed) {
    status.etaSeconds = Math.max(0, Math.round((run.images - processed) / rate));
  }
  if (run.createdAt) status.createdAt = run.createdAt;
  if (run.startedAt) status.startedAt = run.startedAt;
  if (run.finishedAt) status.finishedAt = run.finishedAt;
  const output = run.output ?? spec?.output;
  if (typeof output === 'string') status.output = output;
  if (run.labelCount !== undefined) status.labels = run.labelCount;
  else if (Array.isArray(spec?.labels)) status.labels = spec.labels.length;
  if (run.schedule) status.schedule = run.schedule;
  if (run.error) status.error = run.error;
  if (summary) status.summary = summary;
  return status;
}

/** The state and progress of one run (RUN_NOT_FOUND when the id is unknown). */
export async function getRunStatus(runId: string, deps?: ProducerDeps): Promise<RunStatus> {
  return withContext(deps, async (ctx) => statusOf(ctx, await ctx.runs.require(runId)));
}

/** The most recent runs first. */
export async function listRuns(opts: { limit?: number } = {}, deps?: ProducerDeps): Promise<RunStatus[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? 20, 1_000));
  return withContext(deps, async (ctx) => {
    const ids = await ctx.runs.recentIds(limit);
    const out: RunStatus[] = [];
    for (const id of ids) {
      const rec = await ctx.runs.loadLite(id);
      if (rec) out.push(await statusOf(ctx, rec));
    }
    return out;
  });
}
