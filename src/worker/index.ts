import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { type Classifier, createClassifier } from '../core/classifier.js';
import { ModelError, UsageError } from '../core/errors/index.js';
import { Semaphore } from '../core/pipeline/semaphore.js';
import { resolveTemplates } from '../core/scoring/index.js';
import { bullmqConnection, createRedis, QUEUES } from '../jobs/index.js';
import { type ObservabilityServer, startObservabilityServer } from '../observability/http-server.js';
import { type Logger, redactUrl, logger as rootLogger } from '../observability/logger.js';
import { createMetrics, type Metrics, metrics as processMetrics } from '../observability/metrics.js';
import { type QueueDepthExporter, startQueueDepthExporter } from '../observability/queue-depth-exporter.js';
import { readinessFromChecks, redisPingCheck } from '../observability/readiness.js';
import { RunStore } from '../runs/index.js';
import { createStorage, storageConfigFromEnv } from '../storage/index.js';
import type { Storage, StorageConfig } from '../storage/types.js';
import { ActiveJobs } from './active-jobs.js';
import { createChunkProcessor } from './chunk-processor.js';
import { resolveWorkerConfig, type WorkerConfig } from './config.js';
import { createEmbeddingStore, SharedTextEmbeddings } from './embeddings/index.js';
import { createFinalizeProcessor } from './finalize-run.js';
import { MemoizedLabelEmbeddings, templateOptions } from './label-embeddings.js';
import { PoisonTolerantWorker } from './poison-tolerant-worker.js';
import type { WorkerClassifier } from './worker-classifier.js';

export type { ChunkResult } from './chunk-processor.js';
export { resolveWorkerConfig, WORKER_OPTIONS, type WorkerConfig } from './config.js';
export type { RunSummary } from './run-summary.js';

export interface StartWorkerOptions extends Partial<WorkerConfig> {
  /** Environment the unset options are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Storage to read images from and write results to. Default createStorage(storageConfigFromEnv(env)). */
  storage?: Storage;
  storageConfig?: StorageConfig;
  /** Registry of the worker's metrics. Default prom-client's global registry (with process metrics). */
  registry?: Registry;
  logger?: Logger;
  /** Throttle of job progress updates (ms). */
  progressIntervalMs?: number;
  /**
   * The schedule consumer to run in this process when `scheduler` is on. The worker does not import the
   * producer: `zeroshot worker` passes the producer's `startScheduleWorker`.
   */
  scheduleWorker?: StartScheduleWorker;
}

/** Starts a consumer of the `schedules` queue (each firing enqueues a run). */
export type StartScheduleWorker = (deps: {
  redisUrl: string;
  prefix: string;
  env: NodeJS.ProcessEnv;
  storage: Storage;
}) => Promise<{ close(): Promise<void> }>;

export interface RunningWorker {
  /** Resolves once the model is loaded and the queues are being consumed; rejects with ModelError etc. */
  ready: Promise<void>;
  readonly config: WorkerConfig;
  /** Model, dtype and provider once loaded. */
  readonly model: WorkerClassifier['info'] | undefined;
  /** URL of the metrics/health server once listening (undefined when disabled). */
  readonly metricsUrl: string | undefined;
  /**
   * Stops taking jobs and waits up to `timeoutMs` (default `shutdownTimeoutMs`) for active ones; after that
   * it force-closes and the unfinished jobs go back to the queue through stall recovery. Idempotent.
   */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Starts a worker process's work: loads the model FIRST (a model that cannot load rejects `ready` with a
 * ModelError before any job is taken), then consumes `chunks` (concurrency N, all jobs feeding the
 * classifier's one micro-batcher) and `runs` (finalization), fires schedules, serves metrics and health.
 */
export function startWorker(opts: StartWorkerOptions = {}): RunningWorker {
  const env = opts.env ?? process.env;
  const config = resolveWorkerConfig(opts, env);
  const log = (opts.logger ?? rootLogger()).child({ component: 'worker', worker: config.workerName });
  const m: Metrics = opts.registry ? createMetrics(opts.registry) : processMetrics();

  let classifier: Classifier | undefined;
  let redis: Redis | undefined;
  let closeBullConnection = (): void => {};
  let storage: Storage | undefined;
  let server: ObservabilityServer | undefined;
  let exporter: QueueDepthExporter | undefined;
  let schedules: { close(): Promise<void> } | undefined;
  const workers: Worker[] = [];
  let closing: Promise<void> | undefined;
  const shutdown = new AbortController();
  const active = new ActiveJobs();
  let requestClose!: () => void;
  const closeRequested = new Promise<void>((resolve) => {
    requestClose = resolve;
  });
  let modelState = 'loading';
  /** True once the queues are consumed (Redis reached): only then can jobs be active at shutdown. */
  let consuming = false;

  const isReady = readinessFromChecks({
    model: () => {
      if (modelState !== 'loaded') throw new Error(`model ${modelState}`);
    },
    redis: () => {
      if (!redis) throw new Error('not connected yet');
      return redisPingCheck(redis)();
    },
    workers: () => {
      if (workers.length === 0 || closing) throw new Error(closing ? 'shutting down' : 'not started');
    },
  });

  const start = async () => {
    if (config.metricsPort > 0) {
      server = await startObservabilityServer({
        port: config.metricsPort,
        host: config.metricsHost,
        registry: m.registry,
        isReady,
        allowedHosts: config.metricsAllowedHosts,
        logger: log,
      }).catch((err: Error) => {
        if (!isPortTaken(err)) throw err;
        // Several workers per host (one per GPU) is normal: the work matters more than this one's /metrics.
        log.warn(
          { metricsPort: config.metricsPort, metricsHost: config.metricsHost },
          `--metrics-port ${config.metricsPort} is already in use on ${config.metricsHost} (another worker on ` +
            'this host?): this worker runs WITHOUT /metrics, /healthz and /readyz. Give each worker its own ' +
            '--metrics-port / ZEROSHOT_METRICS_PORT (e.g. 9464, 9466, ...), or 0 to disable it',
        );
        return undefined;
      });
    }
    log.info({ model: config.model ?? '(resolved)', providers: config.providers }, 'loading model');
    try {
      classifier = await createClassifier({
        ...(config.model ? { model: config.model } : {}),
        ...(config.providers ? { providers: config.providers } : {}),
        ...(config.dtype ? { dtype: config.dtype } : {}),
        ...(config.intraOpThreads ? { intraOpThreads: config.intraOpThreads } : {}),
        batchSize: config.batchSize,
        maxWaitMs: config.maxWaitMs,
        resize: config.resize,
        iccProfiles: config.iccProfiles,
        decodeMemoryBytes: config.decodeMemoryMb * 1024 * 1024,
        env,
        onWarning: (msg) => log.warn(msg),
        // The classifier times decode per image and inference per batch; fetch, embed (decode + batching +
        // inference, per image), score and write are timed per image/part in the chunk processor.
        onBatch: (e) => {
          m.batchSize.observe(e.size);
          m.stageDuration.observe({ stage: 'infer' }, e.inferSeconds);
          for (const s of e.decodeSeconds) m.stageDuration.observe({ stage: 'decode' }, s);
        },
      });
    } catch (err) {
      modelState = 'failed';
      if (err instanceof ModelError || err instanceof UsageError) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new ModelError('MODEL_LOAD_FAILED', `the model could not be loaded: ${msg}`, { cause: err });
    }
    if (closing) return; // close() closes the classifier once `ready` settles
    const info = classifier.info;
    modelState = 'loaded';
    m.modelInfo.reset();
    m.modelInfo.set({ model: info.id, dtype: info.dtype, provider: info.provider }, 1);
    log.info({ model: info.id, dtype: info.dtype, provider: info.provider }, 'model loaded');

    redis = createRedis(config.redisUrl, { env });
    redis.on('error', (err) => log.debug({ err: err.message }, 'redis connection error'));
    storage =
      opts.storage ??
      createStorage({
        ...(opts.storageConfig ?? storageConfigFromEnv(env)),
        ...(config.fileRoots ? { fileRoots: config.fileRoots } : {}),
      });
    const runs = new RunStore(redis, config.queuePrefix, { retentionMs: config.runRetentionMs });
    const texts = new SharedTextEmbeddings({
      redis,
      prefix: config.queuePrefix,
      modelId: info.id,
      embedTexts: (labels, t) => classifier!.embedTexts(labels, t),
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

    // BullMQ opens (and closes) its own connections from these options; `blocking`: never give up commands.
    const bull = bullmqConnection(config.redisUrl, env);
    closeBullConnection = bull.close;
    const connection = bull.connection;
    const common = {
      connection,
      prefix: config.queuePrefix,
      name: config.workerName,
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
      maxStalledCount: config.maxStalledCount,
      autorun: false,
    };
    const processChunk = createChunkProcessor({
      classifier: classifier!,
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
      shutdown: shutdown.signal,
      ...(opts.progressIntervalMs !== undefined ? { progressIntervalMs: opts.progressIntervalMs } : {}),
    });
    const finalizeRun = createFinalizeProcessor({
      classifier: classifier!,
      storage,
      runs,
      resolveTemplates,
      log,
      retryMs: config.finalizeRetryMs,
      outputRetryMs: config.outputRetryMs,
    });
    const chunkWorker = new PoisonTolerantWorker(QUEUES.chunks, active.track(processChunk), {
      ...common,
      concurrency: config.concurrency,
    });
    const finalizeWorker = new PoisonTolerantWorker(QUEUES.runs, active.track(finalizeRun), {
      ...common,
      concurrency: 2,
    });
    for (const [queue, w] of [
      [QUEUES.chunks, chunkWorker],
      [QUEUES.runs, finalizeWorker],
    ] as const) {
      observeJobs(queue, w, m, log);
      active.observe(w);
      workers.push(w);
    }
    if (closing) return;
    for (const w of workers)
      void w.run().catch((err) => log.error({ err: err.message }, 'worker loop stopped'));
    // With Redis unreachable this waits (BullMQ keeps reconnecting) until Redis is back or we are closed.
    await Promise.race([Promise.all(workers.map((w) => w.waitUntilReady())), closeRequested]);
    if (closing) return;
    consuming = true;

    if (config.scheduler && opts.scheduleWorker) {
      // Schedules are an extra: a failure here is logged, it does not stop chunk processing.
      schedules = await opts
        .scheduleWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, env, storage })
        .catch((err) => {
          log.error(
            { err: (err as Error).message },
            'schedule worker did not start: schedules will not fire here',
          );
          return undefined;
        });
    }
    if (config.queueExporter) {
      exporter = startQueueDepthExporter({
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        registry: m.registry,
        elect: true,
        logger: log,
      });
    }
    log.info(
      {
        redis: redactUrl(config.redisUrl),
        concurrency: config.concurrency,
        batchSize: config.batchSize,
        metrics: server?.url,
      },
      'worker ready: consuming chunks and runs',
    );
  };

  const ready = start();
  // The caller sees failures through `ready`; this keeps an unobserved rejection from crashing the process.
  ready.catch(() => {});

  const close = (o: { timeoutMs?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      requestClose();
      await ready.catch(() => {});
      // Never connected (Redis down since start): no job can be active, nothing to wait for.
      const timeoutMs = consuming ? (o.timeoutMs ?? config.shutdownTimeoutMs) : 0;
      log.info({ timeoutMs, active: active.size }, 'shutting down: no new jobs; waiting for active ones');
      // Stop fetching, let the active jobs finish, then close without BullMQ's graceful close(): that one can
      // wait forever after a Redis reconnect, and close(true) cannot cut it short once it has started.
      await within(Promise.all(workers.map((w) => w.pause(true).catch(() => {}))), FORCE_CLOSE_MS);
      if (!(await active.idle(timeoutMs))) {
        log.warn(
          { active: active.size },
          'shutdown timeout: force-closing; unfinished jobs return to the queue (retry or stall recovery)',
        );
        shutdown.abort();
        await active.idle(FORCE_CLOSE_MS);
      }
      await within(Promise.all(workers.map((w) => w.close(true).catch(() => {}))), FORCE_CLOSE_MS);
      await within(
        schedules?.close().catch(() => {}),
        FORCE_CLOSE_MS,
      );
      await within(
        exporter?.stop().catch(() => {}),
        FORCE_CLOSE_MS,
      );
      await server?.close().catch(() => {});
      await classifier?.close().catch(() => {});
      if (!opts.storage) storage?.close();
      if (redis?.status === 'ready')
        await within(
          redis.quit().catch(() => {}),
          FORCE_CLOSE_MS,
        );
      redis?.disconnect();
      closeBullConnection();
      log.info('worker stopped');
    })();
    return closing;
  };

  return {
    ready,
    config,
    get model() {
      return modelState === 'loaded' ? classifier?.info : undefined;
    },
    get metricsUrl() {
      return server?.url;
    },
    close,
  };
}

function isPortTaken(err: Error): boolean {
  const code = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;
  return code(err) === 'EADDRINUSE' || code(err.cause) === 'EADDRINUSE';
}

/** Bound of each step of a forced shutdown (connections to a dead Redis never answer). */
const FORCE_CLOSE_MS = 2_000;

/** true when `p` settled within `ms`, false otherwise (p keeps running). */
async function within(p: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(p).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
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
