import { setMaxListeners } from 'node:events';
import type { Job, Processor, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Classifier } from '../core/classifier.js';
import { Semaphore } from '../core/pipeline/semaphore.js';
import { resolveTemplates } from '../core/scoring/index.js';
import { bullmqConnection, QUEUES } from '../jobs/index.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { RunStore } from '../runs/index.js';
import type { Storage } from '../storage/types.js';
import { ActiveJobs } from './active-jobs.js';
import { createChunkProcessor } from './chunk-processor.js';
import type { WorkerConfig } from './config.js';
import { createEmbeddingStore, SharedTextEmbeddings } from './embeddings/index.js';
import { createFinalizeProcessor } from './finalize-run.js';
import { MemoizedLabelEmbeddings, templateOptions } from './label-embeddings.js';
import { PoisonTolerantWorker } from './poison-tolerant-worker.js';
import { within } from './within.js';

export interface QueueConsumersDeps {
  config: WorkerConfig;
  env: NodeJS.ProcessEnv;
  classifier: Classifier;
  storage: Storage;
  redis: Redis;
  metrics: Metrics;
  log: Logger;
  progressIntervalMs?: number | undefined;
}

/** Bound of each step of a forced shutdown (connections to a dead Redis never answer). */
export const FORCE_CLOSE_MS = 2_000;

/**
 * The BullMQ workers of a worker process: `chunks` (concurrency N, every job feeding the classifier's one
 * micro-batcher) and `runs` (finalization), with the processors and what they share (run store, label and
 * image embeddings). `drain()` stops taking jobs and waits for the active ones; `close()` lets go of Redis.
 */
export class QueueConsumers {
  private readonly workers: Worker[] = [];
  private readonly active = new ActiveJobs();
  private readonly shutdown = new AbortController();
  private readonly closeConnection: () => void;
  /** True once Redis answered: only then can jobs be active at shutdown. */
  consuming = false;

  constructor(private readonly deps: QueueConsumersDeps) {
    const { config, classifier, storage, redis, metrics: m, log } = deps;
    // Every image being fetched listens to the shutdown signal until its fetch ends (bounded by concurrency
    // and batching, each listener removed afterwards): more than Node's default 10 is normal, not a leak.
    setMaxListeners(0, this.shutdown.signal);
    const info = classifier.info;
    const runs = new RunStore(redis, config.queuePrefix, { retentionMs: config.runRetentionMs });
    const texts = new SharedTextEmbeddings({
      redis,
      prefix: config.queuePrefix,
      modelId: info.id,
      embedTexts: (labels, t) => classifier.embedTexts(labels, t),
      resolveTemplates,
      metrics: m,
    });
    const embeddings = createEmbeddingStore({
      storage,
      redis,
      prefix: config.queuePrefix,
      modelId: info.id,
      dim: info.projectionDim,
      logger: log,
    });
    const processChunk = createChunkProcessor({
      classifier,
      storage,
      runs,
      labels: new MemoizedLabelEmbeddings((spec) =>
        texts.getLabelEmbeddings(spec.labels, templateOptions(spec)),
      ),
      metrics: m,
      log,
      inFlight: new Semaphore(config.maxInFlight),
      fetchConcurrency: config.fetchConcurrency,
      maxImageBytes: config.maxImageBytes,
      fetchBudget: { deadlineMs: config.imageFetchTimeoutMs, attempts: config.imageFetchAttempts },
      outputRetryMs: config.outputRetryMs,
      lockDurationMs: config.lockDurationMs,
      httpSources: { allowHosts: config.httpSources },
      embeddings,
      shutdown: this.shutdown.signal,
      ...(deps.progressIntervalMs !== undefined ? { progressIntervalMs: deps.progressIntervalMs } : {}),
    });
    const finalizeRun = createFinalizeProcessor({
      classifier,
      storage,
      runs,
      resolveTemplates,
      log,
      retryMs: config.finalizeRetryMs,
      outputRetryMs: config.outputRetryMs,
    });

    // BullMQ opens (and closes) its own connections from these options; `blocking`: never give up commands.
    const bull = bullmqConnection(config.redisUrl, deps.env);
    this.closeConnection = bull.close;
    const common = {
      connection: bull.connection,
      prefix: config.queuePrefix,
      name: config.workerName,
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
      maxStalledCount: config.maxStalledCount,
      autorun: false,
    };
    const consumers: Array<[string, Processor, number]> = [
      [QUEUES.chunks, this.active.track(processChunk), config.concurrency],
      [QUEUES.runs, this.active.track(finalizeRun), 2],
    ];
    for (const [queue, processor, concurrency] of consumers) {
      const w = new PoisonTolerantWorker(queue, processor, { ...common, concurrency });
      observeJobs(queue, w, m, log);
      this.active.observe(w);
      this.workers.push(w);
    }
  }

  get activeJobs(): number {
    return this.active.size;
  }

  /**
   * Starts consuming. With Redis unreachable this waits (BullMQ keeps reconnecting) until Redis is back or
   * `stop` resolves (a close was requested).
   */
  async start(stop: Promise<void>): Promise<void> {
    for (const w of this.workers) {
      void w.run().catch((err) => this.deps.log.error({ err: err.message }, 'worker loop stopped'));
    }
    let stopped = false;
    await Promise.race([
      Promise.all(this.workers.map((w) => w.waitUntilReady())),
      stop.then(() => {
        stopped = true;
      }),
    ]);
    if (!stopped) this.consuming = true;
  }

  /**
   * Stops taking jobs and lets the active ones finish within `timeoutMs`; then aborts them (they write
   * nothing and go back to the queue: retry or stall recovery). BullMQ's graceful close() is not used: it can
   * wait forever after a Redis reconnect, and close(true) cannot cut it short once started.
   */
  async drain(timeoutMs: number): Promise<void> {
    const { log } = this.deps;
    log.info({ timeoutMs, active: this.active.size }, 'shutting down: no new jobs; waiting for active ones');
    await within(Promise.all(this.workers.map((w) => w.pause(true).catch(() => {}))), FORCE_CLOSE_MS);
    if (!(await this.active.idle(timeoutMs))) {
      log.warn(
        { active: this.active.size },
        'shutdown timeout: force-closing; unfinished jobs return to the queue (retry or stall recovery)',
      );
      this.shutdown.abort();
      await this.active.idle(FORCE_CLOSE_MS);
    }
  }

  async close(): Promise<void> {
    await within(Promise.all(this.workers.map((w) => w.close(true).catch(() => {}))), FORCE_CLOSE_MS);
    this.closeConnection();
  }
}

/** Logs a repeated message (a Redis outage) at most once per interval per key. */
function throttled(intervalMs: number) {
  const last = new Map<string, number>();
  return (key: string): boolean => {
    const now = Date.now();
    if (now - (last.get(key) ?? 0) < intervalMs) return false;
    last.set(key, now);
    return true;
  };
}

function observeJobs(queue: string, w: Worker, m: Metrics, log: Logger): void {
  const shouldLog = throttled(30_000);
  // Export every outcome and retry kind at 0 from the start: increase()/rate() in the alerts then see the
  // first failure after a restart (a series that appears at 1 has no increase).
  for (const outcome of ['completed', 'retried', 'failed']) m.jobs.inc({ queue, outcome }, 0);
  for (const kind of ['job', 'stalled', 'storage']) m.retries.inc({ kind }, 0);
  w.on('completed', () => m.jobs.inc({ queue, outcome: 'completed' }));
  w.on('failed', (job: Job | undefined, err: Error) => {
    const willRetry =
      !!job && err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1);
    m.jobs.inc({ queue, outcome: willRetry ? 'retried' : 'failed' });
    if (willRetry) m.retries.inc({ kind: 'job' });
    log.warn(
      { queue, jobId: job?.id, attempt: job?.attemptsMade, err: err.message, willRetry },
      'job failed',
    );
  });
  w.on('stalled', (jobId: string) => {
    m.retries.inc({ kind: 'stalled' });
    log.warn({ queue, jobId }, 'stalled job handed back to the queue');
  });
  w.on('error', (err: Error) => {
    if (shouldLog(err.message))
      log.error({ queue, err: err.message }, 'worker error (repeats are logged every 30 s)');
  });
}
