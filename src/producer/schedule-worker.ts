import { type Job, Worker } from 'bullmq';
import { UsageError } from '../core/errors/index.js';
import { bullmqConnection, QUEUES, queueConfigFromEnv } from '../jobs/index.js';
import { logger } from '../observability/logger.js';
import { openContext, type ProducerDeps } from './deps.js';
import { type EnqueueResult, enqueueRun } from './enqueue-run.js';
import { scheduledRunId } from './run-id.js';
import type { ScheduledEnqueueOptions } from './schedules.js';

/** When a firing happened: scheduler job ids are `repeat:<name>:<millis>`. */
function firedAt(job: Job): number {
  const m = /:(\d+)$/.exec(job.id ?? '');
  return m ? Number(m[1]) : job.timestamp;
}

/**
 * Processes schedule firings: each one enqueues a new run `sched.<name>.<firing time>` with the schedule's stored
 * options. The run id is deterministic per firing, so a retried firing creates nothing twice. Started by
 * every worker process (BullMQ hands each firing to exactly one of them).
 */
export async function startScheduleWorker(
  deps: ProducerDeps & { concurrency?: number } = {},
): Promise<{ close(): Promise<void> }> {
  const ctx = await openContext(deps);
  const cfg = queueConfigFromEnv(ctx.env, deps.redisUrl ? { redisUrl: deps.redisUrl } : {});
  const log = logger().child({ component: 'schedules' });
  const bull = bullmqConnection(cfg.redisUrl, ctx.env);
  const shared = { connection: ctx.redis, prefix: ctx.prefix, storage: await ctx.storage(), env: ctx.env };
  const worker = new Worker(
    QUEUES.schedules,
    async (job: Job): Promise<EnqueueResult | { skipped: string }> => {
      const name = String((job.data as { name?: unknown })?.name ?? '');
      const json = await ctx.redis.hget(ctx.keys.schedules(), name);
      if (!json) return { skipped: `schedule ${name} no longer exists` };
      const { enqueue } = JSON.parse(json) as { enqueue: ScheduledEnqueueOptions };
      const runId = scheduledRunId(name, firedAt(job));
      try {
        const res = await enqueueRun({ ...enqueue, runId, schedule: name }, shared);
        log.info(
          { schedule: name, ...res },
          res.created ? 'schedule fired: run enqueued' : 'schedule fired: nothing new',
        );
        return res;
      } catch (err) {
        // A usage problem (e.g. an empty prefix) will not heal by retrying this firing.
        if (err instanceof UsageError) return { skipped: err.message };
        throw err;
      }
    },
    {
      // BullMQ's own blocking connections (never the caller's client).
      connection: bull.connection,
      prefix: ctx.prefix,
      concurrency: deps.concurrency ?? 1,
    },
  );
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, err: err.message }, 'schedule firing failed'));
  worker.on('error', (err) => log.error({ err: err.message }, 'schedule worker error'));
  return {
    async close() {
      await worker.close();
      bull.close();
      await ctx.close();
    },
  };
}
