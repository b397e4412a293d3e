import { ZeroshotError } from '../core/errors/index.js';
import { QUEUES } from '../jobs/index.js';
import { isFinal } from '../runs/run-record.js';
import { type ProducerDeps, withContext } from './deps.js';
import { type RunStatus, statusOf } from './run-status.js';
import { WorkerPresence } from './worker-presence.js';

export interface WaitOptions {
  onProgress?: (status: RunStatus) => void;
  /** Default 1000 ms. */
  pollMs?: number;
  /** Give up (WAIT_TIMEOUT naming the run; the run goes on) after this long; default: wait forever. */
  timeoutMs?: number;
  /**
   * Called when no worker has consumed the chunk queue for `noWorkerWarnMs` (default 30 s), and again every
   * `noWorkerWarnMs` while none shows up.
   */
  onNoWorker?: (info: { queue: string; seconds: number }) => void;
  noWorkerWarnMs?: number;
  signal?: AbortSignal;
}

/**
 * Polls a run until it is finalized: completed, or cancelled / failed with its summary written (a run whose
 * chunks never got a parent ends as soon as it is cancelled). Resolves with the final status.
 */
export async function waitForRun(
  runId: string,
  options: WaitOptions | ((status: RunStatus) => void) = {},
  deps?: ProducerDeps,
): Promise<RunStatus> {
  // `waitForRun(runId, onProgress)` (the form in docs/ARCHITECTURE.md) works too.
  const opts: WaitOptions = typeof options === 'function' ? { onProgress: options } : options;
  const pollMs = opts.pollMs ?? 1_000;
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Number.POSITIVE_INFINITY;
  return withContext(deps, async (ctx) => {
    const presence = opts.onNoWorker ? new WorkerPresence(ctx, opts.noWorkerWarnMs ?? 30_000) : undefined;
    for (;;) {
      const run = await ctx.runs.require(runId);
      const status = await statusOf(ctx, run);
      opts.onProgress?.(status);
      if (isFinal(run)) return status;
      if (Date.now() > deadline) {
        throw new ZeroshotError(
          'WAIT_TIMEOUT',
          `run ${runId} did not finish within ${opts.timeoutMs} ms (state ${status.state}, ` +
            `${status.images.done + status.images.failed}/${status.images.total} images); it goes on: ` +
            `zeroshot status ${runId}`,
        );
      }
      const seconds = await presence?.check(status.images.done + status.images.failed);
      if (seconds !== undefined) opts.onNoWorker?.({ queue: `${ctx.prefix}:${QUEUES.chunks}`, seconds });
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      await new Promise((r) => setTimeout(r, pollMs));
    }
  });
}
