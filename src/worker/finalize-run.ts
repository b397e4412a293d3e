import { DelayedError, type Job, WaitingChildrenError } from 'bullmq';
import type { TemplateOptions } from '../core/types.js';
import { finalizePayloadSchema, type RunSpec } from '../jobs/index.js';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_PRODUCER_LEASE_MS, type RunStore, reportUri, runSpecOf, summaryUri } from '../runs/index.js';
import type { Storage } from '../storage/types.js';
import type { ChunkResult } from './chunk-processor.js';
import { formatZodError } from './chunk-processor.js';
import { unrecoverable } from './error-policy.js';
import { templateOptions } from './label-embeddings.js';
import { writeOutput } from './output-policy.js';
import { unreadableReason } from './poison-tolerant-worker.js';
import { buildRunSummary, type RunSummary } from './run-summary.js';
import type { WorkerClassifier } from './worker-classifier.js';

export interface FinalizeDeps {
  classifier: Pick<WorkerClassifier, 'info'>;
  storage: Storage;
  runs: RunStore;
  log: Logger;
  /** Delay before re-checking a run whose listing is not sealed yet. */
  retryMs: number;
  /** How long the summary write waits out an output outage (--output-retry-ms). Default 0. */
  outputRetryMs?: number;
  /** The engine's template resolution, so the summary lists the templates actually used. */
  resolveTemplates?: (opts: TemplateOptions) => string[];
}

/** `<prefix>:chunks:run-<id>-chunk-000012` → 12 */
export function chunkIndexFromKey(jobKey: string): number | undefined {
  const m = /-chunk-(\d+)$/.exec(jobKey);
  return m ? Number(m[1]) : undefined;
}

/**
 * `enqueue --report`: the run's HTML report, written BEFORE `_SUMMARY.json` so the summary stays the last
 * file of a run. A report that cannot be made is logged and skipped: it never fails the run.
 */
async function writeReport(
  deps: FinalizeDeps,
  spec: RunSpec,
  summary: RunSummary,
  log: Logger,
): Promise<void> {
  try {
    const { buildReport } = await import('../report/build-report.js');
    const { html, stats } = await buildReport(
      {
        runId: spec.runId,
        output: spec.output,
        labels: spec.labels,
        mode: spec.mode,
        state: summary.state,
        summary,
      },
      deps.storage,
    );
    const uri = reportUri(spec.output, spec.runId);
    await deps.storage.put(uri, html, { contentType: 'text/html; charset=utf-8' });
    log.info({ uri, bytes: stats.bytes, thumbnails: stats.thumbnails }, 'run report written');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'run report not written (the run is finalized anyway)');
  }
}

/**
 * The parent job of a run. BullMQ starts it when every child chunk has ended (children are added with
 * ignoreDependencyOnFailure, so failed chunks do not block it). It writes `_SUMMARY.json` LAST: the marker
 * that the run is complete.
 */
export function createFinalizeProcessor(deps: FinalizeDeps) {
  return async function finalizeRun(job: Job, token?: string): Promise<RunSummary> {
    const unreadable = unreadableReason(job.data);
    if (unreadable) throw unrecoverable('JOB_INVALID_PAYLOAD', `finalize job ${job.id}: ${unreadable}`);
    const parsed = finalizePayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      throw unrecoverable('JOB_INVALID_PAYLOAD', `finalize job ${job.id}: ${formatZodError(parsed.error)}`);
    }
    const { runId } = parsed.data;
    const log = deps.log.child({ runId, jobId: job.id });
    let run = await deps.runs.load(runId);
    if (!run) throw unrecoverable('RUN_NOT_FOUND', `run ${runId} does not exist (its run hash is missing)`);
    let spec: RunSpec;
    try {
      spec = runSpecOf(run);
    } catch (err) {
      throw unrecoverable(
        'JOB_INVALID_PAYLOAD',
        `run ${runId} has an invalid spec: ${(err as Error).message}`,
      );
    }

    // A producer that died before sealing never will: fail the run (sealed with the chunks it enqueued).
    if (await deps.runs.producerGone(run)) {
      const reason =
        `the producer stopped before sealing the run: its lease (${run.producerLeaseMs ?? DEFAULT_PRODUCER_LEASE_MS} ms) ` +
        `lapsed while ${run.chunks} chunks were enqueued; the listing is incomplete`;
      await deps.runs.fail(runId, reason);
      log.warn({ chunks: run.chunks }, `run failed: ${reason}`);
      run = (await deps.runs.load(runId)) ?? run;
    }
    // The producer may still be streaming chunks into the flow: come back later.
    if (!run.sealed && run.state === 'running') {
      log.debug('run not sealed yet: finalize delayed');
      await job.moveToDelayed(Date.now() + deps.retryMs, token);
      throw new DelayedError();
    }
    const pending = await job.getDependenciesCount({ unprocessed: true });
    if ((pending.unprocessed ?? 0) > 0 && token && (await job.moveToWaitingChildren(token))) {
      throw new WaitingChildrenError();
    }

    const values = await job.getChildrenValues<ChunkResult>();
    const ignored = await job.getIgnoredChildrenFailures();
    const failedChunks = Object.entries(ignored).map(([key, reason]) => ({
      index: chunkIndexFromKey(key) ?? -1,
      reason,
    }));
    const state = run.state === 'running' ? 'completed' : run.state;
    const finishedAt = new Date();
    const summary = buildRunSummary({
      spec,
      state,
      ...(run.error ? { error: run.error } : {}),
      images: run.images,
      chunks: run.chunks,
      ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      progress: await deps.runs.progress(runId),
      results: Object.values(values).filter((v): v is ChunkResult => typeof v === 'object' && v !== null),
      failedChunks,
      classifier: deps.classifier,
      finishedAt,
      ...(deps.resolveTemplates
        ? { templates: safeTemplates(deps.resolveTemplates, templateOptions(spec)) }
        : {}),
    });
    // Fences every chunk still able to write (a worker paused past its lock) before the last files land.
    await deps.runs.markFinalizing(runId, finishedAt);
    if (spec.report) await writeReport(deps, spec, summary, log);
    const json = `${JSON.stringify(summary, null, 2)}\n`;
    await writeOutput('the run summary', { budgetMs: deps.outputRetryMs ?? 0, log }, () =>
      deps.storage.put(summaryUri(spec.output, runId), json, { contentType: 'application/json' }),
    );
    await deps.runs.complete(runId, state, JSON.stringify(summary), finishedAt.toISOString());
    log.info({ counts: summary.counts, state }, 'run finalized: _SUMMARY.json written');
    return summary;
  };
}

function safeTemplates(
  resolve: (opts: TemplateOptions) => string[],
  opts: TemplateOptions,
): string[] | undefined {
  try {
    return resolve(opts);
  } catch {
    return undefined;
  }
}
