import type { Logger } from '../observability/logger.js';
import { startScheduleWorker } from '../producer/index.js';
import type { Storage } from '../storage/types.js';

export type StopScheduler = () => Promise<void>;

/**
 * Runs the producer's schedule worker (queue `schedules`) in this process, so schedules fire without an
 * extra process. Any number of workers may run it: BullMQ hands each firing to exactly one of them.
 */
export async function startScheduler(opts: {
  redisUrl: string;
  prefix: string;
  env: NodeJS.ProcessEnv;
  storage: Storage;
  log: Logger;
}): Promise<StopScheduler> {
  const handle = await startScheduleWorker({
    redisUrl: opts.redisUrl,
    prefix: opts.prefix,
    env: opts.env,
    storage: opts.storage,
  });
  opts.log.debug('schedule worker started');
  return () => handle.close();
}
