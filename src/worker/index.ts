import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import type { Storage, StorageConfig } from '../storage/types.js';
import type { WorkerConfig } from './config.js';
import type { WorkerClassifier } from './worker-classifier.js';
import { WorkerProcess } from './worker-process.js';

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
 * classifier's one micro-batcher) and `runs` (finalization), fires schedules (when given a consumer), serves
 * metrics and health. See WorkerProcess.
 */
export function startWorker(opts: StartWorkerOptions = {}): RunningWorker {
  return new WorkerProcess(opts);
}
