import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { ZodError } from 'zod';
import { UsageError } from '../core/errors/index.js';
import { type HttpSourcePolicy, NO_HTTP_SOURCES } from '../core/io/http-source-policy.js';
import { Semaphore } from '../core/pipeline/semaphore.js';
import type { ChunkImage, ChunkPayload, ResultLine, RunSpec } from '../jobs/index.js';
import { chunkPayloadSchema } from '../jobs/index.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { type RunRecord, type RunStore, runSpecOf } from '../runs/index.js';
import type { Storage } from '../storage/types.js';
import type { EmbeddingStore, StoredRow } from './embeddings/index.js';
import { judgeImageError, unrecoverable, type Verdict } from './error-policy.js';
import { assertStillOwner, FencedError } from './fence.js';
import { type FetchBudget, fetchWithBudget } from './fetch-budget.js';
import { fetchImage } from './fetch-image.js';
import type { LabelEmbeddingSource } from './label-embeddings.js';
import { writeOutput } from './output-policy.js';
import { unreadableReason } from './poison-tolerant-worker.js';
import { ThrottledProgress } from './progress-reporter.js';
import { writePart } from './result-writer.js';
import type { WorkerClassifier } from './worker-classifier.js';

/** What a chunk job returns; the run's finalize job reads these through `getChildrenValues()`. */
export interface ChunkResult {
  index: number;
  images: number;
  ok: number;
  failed: number;
  /** Error code → count of error lines. */
  codes: Record<string, number>;
  part?: string;
  cancelled?: boolean;
}

export interface ChunkProcessorDeps {
  classifier: WorkerClassifier;
  storage: Storage;
  runs: RunStore;
  labels: LabelEmbeddingSource;
  metrics: Metrics;
  log: Logger;
  /** Global bound of images fetched but not yet scored, shared by every job of this process. */
  inFlight: Semaphore;
  fetchConcurrency: number;
  maxImageBytes: number;
  /** Deadline and retryable attempts of each image fetch. */
  fetchBudget: FetchBudget;
  /** How long result writes wait out an output outage before the chunk fails (--output-retry-ms). */
  outputRetryMs: number;
  /** The job lock duration, used to check (by extending it) that this worker still owns a chunk. */
  lockDurationMs: number;
  /** http(s) image sources (default: none allowed). */
  httpSources?: HttpSourcePolicy;
  /** Stored image embeddings (`--store-embeddings` / `--reuse-embeddings`), see ./embeddings. */
  embeddings?: Pick<EmbeddingStore, 'lookup' | 'writePack'>;
  /** Aborted when a shutdown gives up waiting: unfinished chunks stop and write nothing (handed back). */
  shutdown?: AbortSignal;
  /** Throttle of job.updateProgress calls. */
  progressIntervalMs?: number;
}

export function formatZodError(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

class JobAborted {
  constructor(
    readonly verdict: Exclude<Verdict, { kind: 'image' }>,
    readonly cause: unknown,
  ) {}
}

/** How long a chunk abandoned at shutdown waits before another worker may take it. */
const HAND_BACK_DELAY_MS = 3_000;

export function createChunkProcessor(deps: ChunkProcessorDeps) {
  const { metrics: m } = deps;
  const stage = (name: string) => m.stageDuration.startTimer({ stage: name });

  return async function processChunk(job: Job, token?: string): Promise<ChunkResult> {
    const endJob = m.jobDuration.startTimer();
    const unreadable = unreadableReason(job.data);
    if (unreadable) throw unrecoverable('JOB_INVALID_PAYLOAD', `chunk job ${job.id}: ${unreadable}`);
    const parsed = chunkPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      throw unrecoverable('JOB_INVALID_PAYLOAD', `chunk job ${job.id}: ${formatZodError(parsed.error)}`);
    }
    const payload: ChunkPayload = parsed.data;
    const { runId, index, images } = payload;
    const log = deps.log.child({ runId, jobId: job.id, chunk: index });

    const run: RunRecord | undefined = await deps.runs.load(runId);
    if (!run) throw unrecoverable('RUN_NOT_FOUND', `run ${runId} does not exist (its run hash is missing)`);
    let spec: RunSpec;
    try {
      spec = runSpecOf(run);
    } catch (err) {
      if ((err as Error).name === 'ZodError' || err instanceof SyntaxError) {
        throw unrecoverable(
          'JOB_INVALID_PAYLOAD',
          `run ${runId} has an invalid spec: ${(err as Error).message}`,
        );
      }
      throw err;
    }
    const result: ChunkResult = { index, images: images.length, ok: 0, failed: 0, codes: {} };
    if (run.state === 'cancelled') {
      log.info('run is cancelled: chunk skipped');
      return { ...result, cancelled: true };
    }
    // HSETNX keeps the first value anyway: skip the round trip once a start is recorded.
    if (!run.startedAt) await deps.runs.markStarted(runId);
    log.debug({ images: images.length, attempt: job.attemptsMade + 1 }, 'chunk started');

    let labelEmbeddings: Float32Array[];
    try {
      labelEmbeddings = await deps.labels.forRun(spec);
    } catch (err) {
      // A label set or template the engine refuses will be refused on every attempt.
      if (err instanceof UsageError) throw unrecoverable(err.code, `run ${runId}: ${err.message}`);
      throw err;
    }
    const reused =
      spec.reuseEmbeddings && deps.embeddings
        ? await deps.embeddings.lookup(images)
        : images.map(() => undefined);
    const toStore: StoredRow[] = [];

    const lines: ResultLine[] = new Array(images.length);
    const fetchSlots = new Semaphore(deps.fetchConcurrency);
    const progress = new ThrottledProgress(
      (done, failed) => job.updateProgress({ done, failed, total: images.length }),
      deps.progressIntervalMs ?? 500,
    );
    let abort: JobAborted | undefined;
    const transientFailures: unknown[] = [];
    const modelId = deps.classifier.info.id;
    const scoreOptions = {
      mode: spec.mode,
      ...(spec.topK ? { topK: spec.topK } : {}),
      ...(spec.threshold !== undefined ? { threshold: spec.threshold } : {}),
    };

    const processImage = async (image: ChunkImage, i: number): Promise<void> => {
      await deps.inFlight.acquire();
      m.imagesInFlight.inc();
      let etag = image.etag;
      try {
        if (abort || deps.shutdown?.aborted) return;
        let embedding = reused[i];
        if (!embedding) {
          const endFetch = stage('fetch');
          const fetched = await fetchSlots.use(() =>
            fetchWithBudget(image.uri, deps.fetchBudget, deps.shutdown, (signal) =>
              fetchImage(deps.storage, image.uri, {
                maxBytes: deps.maxImageBytes,
                httpSources: deps.httpSources ?? NO_HTTP_SOURCES,
                signal,
              }),
            ),
          );
          endFetch();
          // The ETag of the bytes actually scored (the listing's may be older).
          etag = fetched.etag ?? etag;
          if (abort || deps.shutdown?.aborted) return;
          const endEmbed = stage('embed');
          embedding = await deps.classifier.embedImage(fetched.body);
          endEmbed();
        }
        if (spec.storeEmbeddings && etag) toStore.push({ uri: image.uri, etag, embedding });
        const endScore = stage('score');
        const labels = deps.classifier.score(embedding, labelEmbeddings, spec.labels, scoreOptions);
        endScore();
        lines[i] = { image: image.uri, ...(etag ? { etag } : {}), labels, model: modelId };
        result.ok++;
      } catch (err) {
        if (deps.shutdown?.aborted) return;
        const verdict = judgeImageError(err);
        if (verdict.kind === 'image') {
          lines[i] = { image: image.uri, ...(etag ? { etag } : {}), error: verdict.info };
          result.failed++;
          result.codes[verdict.info.code] = (result.codes[verdict.info.code] ?? 0) + 1;
          if (verdict.transient) transientFailures.push(err);
        } else {
          abort ??= new JobAborted(verdict, err);
        }
      } finally {
        m.imagesInFlight.dec();
        deps.inFlight.release();
        progress.update(result.ok, result.failed);
      }
    };

    await Promise.all(images.map(processImage));

    if (deps.shutdown?.aborted) {
      // Handed back without using an attempt. Delayed, not waiting: this process may still have a job fetch
      // in flight that would grab a waiting job right back; it is closed well before the delay ends. If Redis
      // cannot take it now, the lock expires and stall recovery hands it back instead.
      log.warn('worker shutting down: chunk abandoned unwritten; it returns to the queue');
      if (token) {
        await job.moveToDelayed(Date.now() + HAND_BACK_DELAY_MS, token);
        throw new DelayedError();
      }
      throw new Error('worker shut down before the chunk was finished');
    }

    // Every image failed transiently: an outage of the source, not bad objects. Retry the chunk later.
    if (!abort && images.length > 1 && transientFailures.length === images.length) {
      abort = new JobAborted({ kind: 'retry' }, transientFailures[0]);
    }
    if (abort) {
      const cause = abort.cause as Error;
      if (abort.verdict.kind === 'fatal') throw new UnrecoverableError(abort.verdict.reason);
      log.warn({ err: cause?.message }, 'chunk failed with a transient error; BullMQ retries it');
      throw cause instanceof Error ? cause : new Error(String(cause));
    }

    // A run cancelled while this chunk was running gets nothing more written.
    if ((await deps.runs.state(runId)) === 'cancelled') {
      log.info('run was cancelled during the chunk: nothing written');
      return { ...result, ok: 0, failed: 0, codes: {}, cancelled: true };
    }
    const endWrite = stage('write');
    const retry = {
      budgetMs: deps.outputRetryMs,
      log,
      ...(deps.shutdown ? { signal: deps.shutdown } : {}),
    };
    const fence = () => assertStillOwner(job, token, deps.lockDurationMs, deps.runs, runId);
    try {
      // Embeddings first: a written part then implies its embeddings are stored.
      if (toStore.length > 0 && deps.embeddings) {
        const store = deps.embeddings;
        await writeOutput('image embeddings', retry, async () => {
          await fence();
          await store.writePack(spec.output, runId, index, toStore);
        });
      }
      result.part = await writeOutput('results', retry, async () => {
        await fence();
        return writePart(deps.storage, spec.output, runId, index, lines);
      });
    } catch (err) {
      if (err instanceof FencedError) log.warn({ reason: err.message }, 'chunk fenced: nothing written');
      throw err;
    }
    endWrite();
    await deps.runs.setChunkProgress(runId, index, result.ok, result.failed);
    // Counted once the part is written, so the counters match the result files even across retries.
    m.imagesProcessed.inc({ status: 'ok', code: '' }, result.ok);
    for (const [code, n] of Object.entries(result.codes)) m.imagesProcessed.inc({ status: 'error', code }, n);
    await progress.flush(result.ok, result.failed);
    endJob();
    log.info({ ok: result.ok, failed: result.failed }, 'chunk written');
    return result;
  };
}
