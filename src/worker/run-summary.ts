import type { RunSpec } from '../jobs/index.js';
import type { RunProgress } from '../runs/index.js';
import type { ChunkResult } from './chunk-processor.js';
import type { WorkerClassifier } from './worker-classifier.js';

/** Content of `<output>/<run-id>/_SUMMARY.json`, the run's completion marker (also stored in the run hash). */
export interface RunSummary {
  runId: string;
  state: 'completed' | 'cancelled' | 'failed';
  /** Why the run was cancelled or failed by the system (enqueue error, producer lost). */
  error?: string;
  counts: {
    /** Images enqueued. */
    images: number;
    ok: number;
    failed: number;
    /** Images with no line: in chunks that failed for good or were skipped after a cancel. */
    missing: number;
  };
  failuresByCode: Record<string, number>;
  chunks: {
    total: number;
    written: number;
    failed: Array<{ index: number; reason: string }>;
    cancelled: number;
  };
  model: { id: string; dtype: string; provider: string };
  labels: string[];
  templates?: string[];
  ensemble?: string;
  mode: string;
  output: string;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  imagesPerSecond: number;
}

export interface SummaryInput {
  spec: RunSpec;
  state: 'completed' | 'cancelled' | 'failed';
  images?: number;
  chunks?: number;
  startedAt?: string;
  error?: string;
  progress: RunProgress;
  /** Return values of the chunk jobs that completed. */
  results: ChunkResult[];
  /** Chunks that failed for good, with BullMQ's failedReason. */
  failedChunks: Array<{ index: number; reason: string }>;
  classifier: Pick<WorkerClassifier, 'info'>;
  finishedAt: Date;
  /** Templates actually used (the default template when the spec names none). */
  templates?: string[] | undefined;
}

export function buildRunSummary(input: SummaryInput): RunSummary {
  const { spec, progress } = input;
  let ok = 0;
  let failed = 0;
  // The progress hash is the source of truth for counts: one field per written part, overwritten on retry.
  for (const p of progress.values()) {
    ok += p.done;
    failed += p.failed;
  }
  const failuresByCode: Record<string, number> = {};
  let cancelledChunks = 0;
  for (const r of input.results) {
    if (r.cancelled) cancelledChunks++;
    if (!progress.has(r.index)) continue;
    for (const [code, n] of Object.entries(r.codes ?? {}))
      failuresByCode[code] = (failuresByCode[code] ?? 0) + n;
  }
  const images = input.images ?? input.results.reduce((n, r) => n + r.images, 0);
  const startedAt = input.startedAt ?? spec.createdAt;
  const seconds = Math.max(0.001, (input.finishedAt.getTime() - Date.parse(startedAt)) / 1000);
  const info = input.classifier.info;
  return {
    runId: spec.runId,
    state: input.state,
    ...(input.error ? { error: input.error } : {}),
    counts: { images, ok, failed, missing: Math.max(0, images - ok - failed) },
    failuresByCode,
    chunks: {
      total: input.chunks ?? input.results.length + input.failedChunks.length,
      written: progress.size,
      failed: input.failedChunks.sort((a, b) => a.index - b.index),
      cancelled: cancelledChunks,
    },
    model: { id: info.id, dtype: info.dtype, provider: info.provider },
    labels: spec.labels,
    ...(input.templates || spec.templates ? { templates: input.templates ?? spec.templates } : {}),
    ...(spec.ensemble ? { ensemble: spec.ensemble } : {}),
    mode: spec.mode,
    output: spec.output,
    createdAt: spec.createdAt,
    startedAt,
    finishedAt: input.finishedAt.toISOString(),
    durationSeconds: Math.round(seconds * 1000) / 1000,
    imagesPerSecond: Math.round(((ok + failed) / seconds) * 100) / 100,
  };
}
