import { type Classifier, createClassifier } from '../core/classifier.js';
import { ModelError, UsageError } from '../core/errors/index.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { WorkerConfig } from './config.js';

/**
 * Loads the worker's model (before any queue is consumed). Anything but a usage error becomes a ModelError
 * (`zeroshot worker` exits 3). The classifier reports per-batch timings into the worker's metrics.
 */
export async function loadClassifier(
  config: WorkerConfig,
  env: NodeJS.ProcessEnv,
  m: Metrics,
  log: Logger,
): Promise<Classifier> {
  log.info({ model: config.model ?? '(resolved)', providers: config.providers }, 'loading model');
  try {
    return await createClassifier({
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
    if (err instanceof ModelError || err instanceof UsageError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new ModelError('MODEL_LOAD_FAILED', `the model could not be loaded: ${msg}`, { cause: err });
  }
}
