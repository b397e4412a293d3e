import type { Redis } from 'ioredis';
import type { Classifier } from '../core/classifier.js';
import { createRedis } from '../jobs/index.js';
import type { ObservabilityServer } from '../observability/http-server.js';
import { type Logger, redactUrl, logger as rootLogger } from '../observability/logger.js';
import { createMetrics, type Metrics, metrics as processMetrics } from '../observability/metrics.js';
import { startQueueDepthExporter } from '../observability/queue-depth-exporter.js';
import { readinessFromChecks, redisPingCheck } from '../observability/readiness.js';
import { createStorage, storageConfigFromEnv } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { resolveWorkerConfig, type WorkerConfig } from './config.js';
import type { RunningWorker, StartWorkerOptions } from './index.js';
import { loadClassifier } from './load-classifier.js';
import { openMetricsEndpoint } from './metrics-endpoint.js';
import { FORCE_CLOSE_MS, QueueConsumers } from './queue-consumers.js';
import { within } from './within.js';

/** Something the process opened, closed in reverse order of opening. */
interface Opened {
  name: string;
  close(): Promise<unknown> | unknown;
  /** Waited for in full (the model); everything else gets FORCE_CLOSE_MS (a dead Redis never answers). */
  unbounded?: boolean;
}

/**
 * One `zeroshot worker` process. Opens, in order: the metrics endpoint, the model (BEFORE any queue: a model
 * that cannot load rejects `ready` with a ModelError and no job is taken), Redis, storage, the queue
 * consumers (chunks and runs), the schedule consumer (when given) and the queue-depth exporter. `close()`
 * drains the consumers, then closes everything opened, in reverse.
 */
export class WorkerProcess implements RunningWorker {
  readonly config: WorkerConfig;
  readonly ready: Promise<void>;
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Logger;
  private readonly m: Metrics;
  private readonly opened: Opened[] = [];
  private classifier: Classifier | undefined;
  private redis: Redis | undefined;
  private server: ObservabilityServer | undefined;
  private consumers: QueueConsumers | undefined;
  private modelState: 'loading' | 'loaded' | 'failed' = 'loading';
  private closing: Promise<void> | undefined;
  private requestClose!: () => void;
  private readonly closeRequested = new Promise<void>((resolve) => {
    this.requestClose = resolve;
  });

  constructor(private readonly opts: StartWorkerOptions = {}) {
    this.env = opts.env ?? process.env;
    this.config = resolveWorkerConfig(opts, this.env);
    this.log = (opts.logger ?? rootLogger()).child({ component: 'worker', worker: this.config.workerName });
    this.m = opts.registry ? createMetrics(opts.registry) : processMetrics();
    this.ready = this.open();
    // The caller sees failures through `ready`; this keeps an unobserved rejection from crashing the process.
    this.ready.catch(() => {});
  }

  get model(): Classifier['info'] | undefined {
    return this.modelState === 'loaded' ? this.classifier?.info : undefined;
  }

  get metricsUrl(): string | undefined {
    return this.server?.url;
  }

  private readonly isReady = readinessFromChecks({
    model: () => {
      if (this.modelState !== 'loaded') throw new Error(`model ${this.modelState}`);
    },
    redis: () => {
      if (!this.redis) throw new Error('not connected yet');
      return redisPingCheck(this.redis)();
    },
    workers: () => {
      if (!this.consumers?.consuming || this.closing) {
        throw new Error(this.closing ? 'shutting down' : 'not started');
      }
    },
  });

  private async open(): Promise<void> {
    const { config, env, log, m } = this;
    this.server = await openMetricsEndpoint(config, m, this.isReady, log);
    if (this.server) this.opened.push({ name: 'metrics endpoint', close: () => this.server?.close() });

    try {
      this.classifier = await loadClassifier(config, env, m, log);
    } catch (err) {
      this.modelState = 'failed';
      throw err;
    }
    const classifier = this.classifier;
    this.opened.push({ name: 'model', close: () => classifier.close(), unbounded: true });
    if (this.closing) return;
    const info = classifier.info;
    this.modelState = 'loaded';
    m.modelInfo.reset();
    m.modelInfo.set({ model: info.id, dtype: info.dtype, provider: info.provider }, 1);
    log.info({ model: info.id, dtype: info.dtype, provider: info.provider }, 'model loaded');

    const redis = createRedis(config.redisUrl, { env });
    redis.on('error', (err) => log.debug({ err: err.message }, 'redis connection error'));
    this.redis = redis;
    this.opened.push({ name: 'redis', close: () => closeRedis(redis) });
    const storage =
      this.opts.storage ??
      createStorage({
        ...(this.opts.storageConfig ?? storageConfigFromEnv(env)),
        ...(config.fileRoots ? { fileRoots: config.fileRoots } : {}),
      });
    if (!this.opts.storage) this.opened.push({ name: 'storage', close: () => storage.close() });

    const consumers = new QueueConsumers({
      config,
      env,
      classifier,
      storage,
      redis,
      metrics: m,
      log,
      progressIntervalMs: this.opts.progressIntervalMs,
    });
    this.consumers = consumers;
    this.opened.push({ name: 'queue consumers', close: () => consumers.close() });
    if (this.closing) return;
    await consumers.start(this.closeRequested);
    if (this.closing) return;

    await this.openSchedules(storage);
    if (config.queueExporter) {
      const exporter = startQueueDepthExporter({
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        registry: m.registry,
        elect: true,
        logger: log,
      });
      this.opened.push({ name: 'queue-depth exporter', close: () => exporter.stop() });
    }
    log.info(
      {
        redis: redactUrl(config.redisUrl),
        concurrency: config.concurrency,
        batchSize: config.batchSize,
        metrics: this.server?.url,
      },
      'worker ready: consuming chunks and runs',
    );
  }

  /** Schedules are an extra: a consumer that cannot start is logged; chunk processing goes on. */
  private async openSchedules(storage: Storage): Promise<void> {
    const start = this.opts.scheduleWorker;
    if (!this.config.scheduler || !start) return;
    const { redisUrl, queuePrefix: prefix, runRetentionMs } = this.config;
    // The runs it enqueues keep this worker's --run-retention, whether it came from the flag or the env.
    const env = { ...this.env, ZEROSHOT_RUN_RETENTION: runRetentionMs === 0 ? '0' : `${runRetentionMs}ms` };
    try {
      const schedules = await start({ redisUrl, prefix, env, storage });
      this.opened.push({ name: 'schedule consumer', close: () => schedules.close() });
    } catch (err) {
      this.log.error(
        { err: (err as Error).message },
        'schedule worker did not start: schedules will not fire here',
      );
    }
  }

  close(o: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      this.requestClose();
      await this.ready.catch(() => {});
      // Never connected (Redis down since start): no job can be active, nothing to wait for.
      const consumers = this.consumers;
      if (consumers) {
        await consumers.drain(consumers.consuming ? (o.timeoutMs ?? this.config.shutdownTimeoutMs) : 0);
      }
      for (const r of this.opened.reverse()) {
        const closing = Promise.resolve()
          .then(() => r.close())
          .catch((err) => this.log.debug({ err: (err as Error)?.message, resource: r.name }, 'close failed'));
        if (r.unbounded) await closing;
        else await within(closing, FORCE_CLOSE_MS);
      }
      this.log.info('worker stopped');
    })();
    return this.closing;
  }
}

async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready')
    await within(
      redis.quit().catch(() => {}),
      FORCE_CLOSE_MS,
    );
  redis.disconnect();
}
