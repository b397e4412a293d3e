import { UsageError } from '../errors/index.js';

export interface BatchEvent {
  /** Images sent to the vision encoder in this batch. */
  size: number;
  /** Images of this batch that failed to decode (their promises were rejected). */
  failed: number;
  /** Seconds spent in the vision encoder. */
  inferSeconds: number;
  /** Decode seconds of each image of the batch (sharp decode + resize + normalize into the tensor). */
  decodeSeconds: number[];
}

export interface ImageEmbeddingBatcherOptions {
  /** Images per vision-encoder run (default 16). */
  batchSize?: number;
  /** A partly filled batch is sent this long after its first image arrived (default 20 ms). */
  maxWaitMs?: number;
  /** Images accepted at once; further `embed()` calls wait for a slot (default 4 × batchSize). */
  maxInFlight?: number;
  /** Images decoded at the same time (default: the number of cores). */
  decodeConcurrency?: number;
  /** Called after each vision-encoder run (metrics). */
  onBatch?: (event: BatchEvent) => void;
}

export type ResolvedBatcherOptions = Required<Omit<ImageEmbeddingBatcherOptions, 'onBatch'>> &
  Pick<ImageEmbeddingBatcherOptions, 'onBatch'>;

/**
 * Measured on the shared 2-core box (tiny model, 49 photos × 3, exact resize): batch 8 and 16 within noise
 * (110–180 img/s, decode-bound), 32 slower (≈110); decode concurrency 2 (= cores) beat 1 and 3.
 * 16 keeps batches worthwhile on CUDA, where the worker usually raises it with --batch-size.
 */
export const DEFAULT_BATCH_SIZE = 16;

/** `v` as an integer from 1 to `max`, else INVALID_OPTION naming the option. */
export function positiveInt(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new UsageError('INVALID_OPTION', `${name} must be an integer from 1 to ${max}, got ${String(v)}`);
  }
  return v;
}

export function resolveBatcherOptions(
  opts: ImageEmbeddingBatcherOptions,
  cores: number,
): ResolvedBatcherOptions {
  const batchSize = positiveInt('batchSize', opts.batchSize ?? DEFAULT_BATCH_SIZE, 1024);
  const maxWaitMs = opts.maxWaitMs ?? 20;
  if (typeof maxWaitMs !== 'number' || !Number.isFinite(maxWaitMs) || maxWaitMs < 0 || maxWaitMs > 60_000) {
    throw new UsageError(
      'INVALID_OPTION',
      `maxWaitMs must be a number from 0 to 60000, got ${String(maxWaitMs)}`,
    );
  }
  const maxInFlight = positiveInt('maxInFlight', opts.maxInFlight ?? 4 * batchSize, 1_000_000);
  const decodeConcurrency = positiveInt('decodeConcurrency', opts.decodeConcurrency ?? cores, 1024);
  return { batchSize, maxWaitMs, maxInFlight, decodeConcurrency, onBatch: opts.onBatch };
}
