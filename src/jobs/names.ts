/**
 * Queue names and Redis key layout shared by producer, worker and tooling.
 *
 * All keys live under one prefix wrapped in a Redis Cluster hash tag (`{zeroshot}` by default) so that
 * BullMQ's multi-key Lua scripts and our own keys land in one slot.
 */
export const DEFAULT_PREFIX = '{zeroshot}';

export const QUEUES = {
  /** One job per chunk of images (the children of a run's flow). */
  chunks: 'chunks',
  /** One parent job per run: runs when every chunk has ended and writes `_SUMMARY.json`. */
  runs: 'runs',
  /** Job schedulers for periodic re-labeling; each firing enqueues a new run. */
  schedules: 'schedules',
} as const;

export const JOB_NAMES = {
  chunk: 'chunk',
  finalize: 'finalize',
  scheduleFire: 'schedule-fire',
} as const;

/** Run ids and schedule names: safe in job ids, Redis keys and storage paths. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Deterministic job ids: enqueueing the same run twice creates nothing new. BullMQ forbids ':' in ids. */
export const jobIds = {
  run: (runId: string) => `run-${runId}`,
  chunk: (runId: string, index: number) => `run-${runId}-chunk-${String(index).padStart(6, '0')}`,
};

/** Our own keys (not BullMQ's), all under the same prefix. */
export function keys(prefix: string = DEFAULT_PREFIX) {
  return {
    /** Hash: the run record; read and written only through `RunStore` (src/runs/), fields in `RUN_FIELD`. */
    run: (runId: string) => `${prefix}:run:${runId}`,
    /** Hash: chunk index → `done,failed` image counts (overwritten on retry: never double counted). */
    runProgress: (runId: string) => `${prefix}:run:${runId}:progress`,
    /** String with a TTL: lease of the producer still enqueuing a run (gone: the producer died unsealed). */
    producerLease: (runId: string) => `${prefix}:run:${runId}:producer`,
    /** Sorted set of run ids by creation time. */
    runIndex: () => `${prefix}:runs`,
    /** String: float32 bytes of one label's text embedding, shared by all workers. */
    textEmbedding: (hash: string) => `${prefix}:temb:${hash}`,
    /** Hash: image URI → ETag seen by the previous run of an incremental schedule. */
    scheduleEtags: (name: string) => `${prefix}:schedule:${name}:etags`,
    /** Hash: schedule name → enqueue options JSON. */
    schedules: () => `${prefix}:schedules`,
    /** Hash: `<uri>\n<etag>` → location of a stored image embedding, per model id. */
    embeddingIndex: (modelId: string) => `${prefix}:emb:${modelId}`,
    /** String with a TTL: token of the process that currently exports queue depth (one per cluster). */
    exporterLease: () => `${prefix}:exporter:lease`,
  };
}
