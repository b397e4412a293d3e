import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry, register } from 'prom-client';

/**
 * Every metric zeroshot exports, defined once. Names follow Prometheus conventions: prefix `zeroshot_`,
 * base units in the name, `_total` for counters. deploy/ dashboards and alerts use these names; a test
 * checks they stay in sync.
 */
const STAGE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const byRegistry = new WeakMap<Registry, Metrics>();
const withProcessMetrics = new WeakSet<Registry>();

/**
 * Default Node.js process metrics (`process_*`, `nodejs_*`: the standard client-library names, without our
 * prefix, so stock dashboards work), collected once per registry however often this is called.
 */
export function collectProcessMetrics(registry: Registry = register): void {
  if (withProcessMetrics.has(registry)) return;
  withProcessMetrics.add(registry);
  // Someone may have called collectDefaultMetrics on this registry directly: then they are already there.
  if (registry.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics({ register: registry });
}

/**
 * zeroshot's metrics on `registry`. Idempotent: the worker, the HTTP server and the queue-depth exporter
 * may each call it with the same registry and get the same metric objects.
 */
export function createMetrics(registry: Registry = register): Metrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = defineMetrics(registry);
    byRegistry.set(registry, m);
  }
  return m;
}

function defineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    registry,
    imagesProcessed: new Counter({
      name: 'zeroshot_images_processed_total',
      help: 'Images finished by this worker, by status (ok|error) and error code (empty when ok)',
      labelNames: ['status', 'code'] as const,
      registers,
    }),
    jobs: new Counter({
      name: 'zeroshot_jobs_total',
      help: 'Jobs finished by this worker, by queue and outcome (completed|failed|retried)',
      labelNames: ['queue', 'outcome'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'zeroshot_retries_total',
      help: 'Retried operations, by kind (storage: a storage request; job: a failed job attempt; stalled: a job recovered from a dead worker)',
      labelNames: ['kind'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: 'zeroshot_batch_size_images',
      help: 'Images per vision inference batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    }),
    stageDuration: new Histogram({
      name: 'zeroshot_stage_duration_seconds',
      help: 'Latency of one pipeline stage: fetch, decode, embed (decode + batched inference) and score per image; infer per batch; write per chunk',
      labelNames: ['stage'] as const,
      buckets: STAGE_BUCKETS,
      registers,
    }),
    jobDuration: new Histogram({
      name: 'zeroshot_job_duration_seconds',
      help: 'Wall time of one chunk job from start to result written',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    imagesInFlight: new Gauge({
      name: 'zeroshot_images_in_flight',
      help: 'Images fetched or decoded but not yet scored',
      registers,
    }),
    textCache: new Counter({
      name: 'zeroshot_text_embedding_cache_lookups_total',
      help: 'Text-embedding lookups, by result (hit|miss) and tier (memory|redis)',
      labelNames: ['result', 'tier'] as const,
      registers,
    }),
    imageEmbeddingReuse: new Counter({
      name: 'zeroshot_image_embedding_reuse_lookups_total',
      help: 'Stored image-embedding lookups (--reuse-embeddings), by result (hit|miss)',
      labelNames: ['result'] as const,
      registers,
    }),
    modelInfo: new Gauge({
      name: 'zeroshot_model_info',
      help: 'Always 1; labels describe the loaded model',
      labelNames: ['model', 'dtype', 'provider'] as const,
      registers,
    }),
    queueJobs: new Gauge({
      name: 'zeroshot_queue_jobs',
      help: 'Jobs in a queue by state (waiting|active|delayed|failed|completed|prioritized|waiting-children)',
      labelNames: ['queue', 'state'] as const,
      registers,
    }),
    queueExporterLeader: new Gauge({
      name: 'zeroshot_queue_exporter_leader',
      help: '1 when this process holds the queue-depth exporter lease and publishes zeroshot_queue_jobs, else 0',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof defineMetrics>;

let shared: Metrics | undefined;

/** Process-wide metrics on prom-client's default registry, with default process metrics. */
export function metrics(): Metrics {
  if (!shared) {
    collectProcessMetrics(register);
    shared = createMetrics(register);
  }
  return shared;
}
