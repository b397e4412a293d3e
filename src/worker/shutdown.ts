import type { Logger } from '../observability/logger.js';

/**
 * SIGTERM/SIGINT → `close()` (stop taking jobs, drain within the shutdown timeout, then hand back the rest
 * through stall recovery). Resolves once closed. A watchdog bounds the whole shutdown: if closing hangs
 * (a dead Redis), the process exits anyway — jobs it held are recovered by other workers.
 * A second signal exits at once.
 */
export function closeOnSignals(
  close: () => Promise<void>,
  opts: { log: Logger; shutdownTimeoutMs: number; graceMs?: number; signals?: NodeJS.Signals[] },
): Promise<NodeJS.Signals> {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        opts.log.warn(
          { signal },
          'second signal: exiting now; unfinished jobs are recovered by other workers',
        );
        process.exit(1);
      }
      received = signal;
      opts.log.info({ signal }, 'signal received: draining');
      const watchdog = setTimeout(
        () => {
          opts.log.warn('shutdown took too long: exiting; unfinished jobs are recovered by other workers');
          process.exit(0);
        },
        opts.shutdownTimeoutMs + (opts.graceMs ?? 10_000),
      );
      watchdog.unref();
      close()
        .catch((err) => opts.log.error({ err: (err as Error).message }, 'error while closing'))
        .finally(() => {
          clearTimeout(watchdog);
          resolve(signal);
        });
    };
    for (const s of signals) process.on(s, onSignal);
  });
}
