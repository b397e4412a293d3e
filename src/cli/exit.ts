import { ModelError, UsageError, ZeroshotError } from '../core/errors/index.js';
import { printError } from './output.js';

/**
 * Exit statuses of every zeroshot command: 0 ok; 1 some images or chunks failed, the run was cancelled or
 * failed, or a Redis/storage error; 2 usage error; 3 the model cannot be loaded; 4 `enqueue --wait --timeout`
 * gave up before the run finished (the run goes on).
 */
export const EXIT = { ok: 0, someFailed: 1, usage: 2, model: 3, timeout: 4 } as const;

/**
 * Runs a command action and maps errors to one clear line and an exit status:
 * usage errors → 2, model/runtime errors (model cannot load) → 3, other zeroshot errors → 1 with their
 * code, anything else → 1 with its message.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | undefined>) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (err) {
      if (err instanceof UsageError) {
        printError(`zeroshot: ${err.message}\n`);
        process.exitCode = EXIT.usage;
      } else if (err instanceof ModelError) {
        printError(`zeroshot: ${err.code}: ${err.message}\n`);
        process.exitCode = EXIT.model;
      } else if (err instanceof ZeroshotError) {
        printError(`zeroshot: ${err.code}: ${err.message}\n`);
        process.exitCode = EXIT.someFailed;
      } else {
        const e = err as Error;
        printError(`zeroshot: unexpected error: ${e?.message ?? String(err)}\n`);
        if (process.env.ZEROSHOT_DEBUG) printError(`${e?.stack ?? ''}\n`);
        process.exitCode = EXIT.someFailed;
      }
    }
  };
}
