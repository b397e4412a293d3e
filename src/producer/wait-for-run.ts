import { ZeroshotError } from '../core/errors/index.js';
import { isFinal } from '../runs/run-record.js';
import { type ProducerDeps, withContext } from './deps.js';
import { type RunStatus, statusOf } from './run-status.js';

export interface WaitOptions {
  onProgress?: (status: RunStatus) => void;
  /** Default 1000 ms. */
  pollMs?: number;
  /** Give up (INTERNAL error naming the run) after this long; default: wait forever. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Polls a run until it is finalized: state completed, or cancelled with its summary written (a cancelled
 * run whose chunks never got a parent ends as soon as it is cancelled). Resolves with the final status.
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
    for (;;) {
      const run = await ctx.runs.require(runId);
      const status = await statusOf(ctx, run);
      opts.onProgress?.(status);
      if (isFinal(run)) return status;
      if (Date.now() > deadline) {
        throw new ZeroshotError(
          'INTERNAL',
          `run ${runId} did not finish within ${opts.timeoutMs} ms (state ${run.state})`,
        );
      }
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      await new Promise((r) => setTimeout(r, pollMs));
    }
  });
}
