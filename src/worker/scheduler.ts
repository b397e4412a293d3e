import type { Logger } from '../observability/logger.js';

export type StopScheduler = () => Promise<void>;

/**
 * Runs the producer's schedule worker (queue `schedules`) in this process, so schedules fire without an
 * extra process. Any number of workers may run it: BullMQ hands each firing to exactly one of them.
 */
export async function startScheduler(opts: {
  redisUrl: string;
  prefix: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}): Promise<StopScheduler | undefined> {
  const producer = (await import('../producer/index.js')) as Record<string, unknown>;
  const start = producer.startScheduleWorker as
    | ((deps: Record<string, unknown>) => Promise<{ close(): Promise<void> } | (() => Promise<void>)>)
    | undefined;
  if (typeof start !== 'function') {
    opts.log.warn('this build has no schedule worker: schedules will not fire from this process');
    return undefined;
  }
  const handle = await start({ redisUrl: opts.redisUrl, prefix: opts.prefix, env: opts.env });
  return typeof handle === 'function' ? handle : () => handle.close();
}
