import { UsageError } from '../core/errors/index.js';
import { ID_PATTERN, JOB_NAMES } from '../jobs/index.js';
import { type ProducerDeps, withContext } from './deps.js';
import type { EnqueueOptions } from './options.js';
import { parseEnqueueOptions } from './options.js';
import { closeAll, scheduleQueue } from './queues.js';
import { scheduledRunId } from './run-id.js';
import { buildRunSpec } from './run-spec.js';
import { validateScheduleTiming } from './schedule-timing.js';
import { checkOutputUri, checkSourceUri, checkUri } from './uris.js';

export type ScheduledEnqueueOptions = Omit<EnqueueOptions, 'runId' | 'schedule'>;

export interface ScheduleOptions {
  /** Cron expression (5 or 6 fields, BullMQ/cron-parser syntax). Exactly one of cron and everyMs. */
  cron?: string;
  everyMs?: number;
  /** IANA time zone for cron, default UTC. */
  tz?: string;
  /** Allow firings less than a minute apart (down to 1 s) and cron's seconds field. Default false. */
  allowSubMinute?: boolean;
  /** What each firing enqueues (a new run `sched.<name>.<firing time>`). */
  enqueue: ScheduledEnqueueOptions;
}

export interface ScheduleInfo {
  name: string;
  cron?: string;
  everyMs?: number;
  tz?: string;
  incremental: boolean;
  enqueue: ScheduledEnqueueOptions;
  createdAt: string;
  /** Next firing (ISO), when BullMQ knows it. */
  next?: string;
}

interface StoredSchedule {
  name: string;
  cron?: string;
  everyMs?: number;
  tz?: string;
  enqueue: ScheduledEnqueueOptions;
  createdAt: string;
}

/** Validates a schedule fully (name, timing and every enqueue option) before anything is written. */
async function validateSchedule(name: string, opts: ScheduleOptions): Promise<void> {
  if (typeof name !== 'string' || !ID_PATTERN.test(name)) {
    throw new UsageError(
      'INVALID_OPTION',
      `schedule name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,100} (got ${JSON.stringify(name)})`,
    );
  }
  if (name.length > 100) throw new UsageError('INVALID_OPTION', 'schedule names are at most 100 characters');
  validateScheduleTiming(opts);
  const enqueue = parseEnqueueOptions({ ...opts.enqueue, schedule: name });
  const output = checkOutputUri(enqueue.output);
  for (const [i, s] of (enqueue.sources ?? []).entries()) checkSourceUri(s, `source #${i + 1}`);
  if (enqueue.manifest) checkUri(enqueue.manifest, '--manifest');
  await buildRunSpec(enqueue, scheduledRunId(name, Date.now()), output, [], new Date());
}

/**
 * Adds or replaces a schedule: the options go to `keys().schedules()`, the timing to a BullMQ job scheduler
 * on queue `schedules` (one firing job at a time; `startScheduleWorker` turns each into a new run).
 */
export async function addSchedule(
  name: string,
  opts: ScheduleOptions,
  deps?: ProducerDeps,
): Promise<ScheduleInfo> {
  await validateSchedule(name, opts);
  const stored: StoredSchedule = {
    name,
    ...(opts.cron ? { cron: opts.cron.trim() } : {}),
    ...(opts.everyMs ? { everyMs: opts.everyMs } : {}),
    ...(opts.tz ? { tz: opts.tz } : {}),
    enqueue: opts.enqueue,
    createdAt: new Date().toISOString(),
  };
  return withContext(deps, async (ctx) => {
    const key = ctx.keys.schedules();
    const previous = await ctx.redis.hget(key, name);
    await ctx.redis.hset(key, name, JSON.stringify(stored));
    const queue = scheduleQueue(ctx);
    try {
      const repeat = stored.cron
        ? { pattern: stored.cron, ...(stored.tz ? { tz: stored.tz } : { utc: true }) }
        : { every: stored.everyMs as number };
      await queue.upsertJobScheduler(name, repeat, {
        name: JOB_NAMES.scheduleFire,
        data: { name },
        opts: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 5_000 },
          removeOnComplete: { count: 100 },
          removeOnFail: { count: 500 },
        },
      });
    } catch (err) {
      if (previous === null) await ctx.redis.hdel(key, name);
      else await ctx.redis.hset(key, name, previous);
      throw new UsageError('INVALID_OPTION', `schedule ${name}: ${(err as Error).message}`, { cause: err });
    } finally {
      await closeAll(queue);
    }
    return toInfo(stored);
  });
}

function toInfo(s: StoredSchedule, next?: number): ScheduleInfo {
  return {
    name: s.name,
    ...(s.cron ? { cron: s.cron } : {}),
    ...(s.everyMs ? { everyMs: s.everyMs } : {}),
    ...(s.tz ? { tz: s.tz } : {}),
    incremental: s.enqueue.incremental ?? false,
    enqueue: s.enqueue,
    createdAt: s.createdAt,
    ...(next ? { next: new Date(next).toISOString() } : {}),
  };
}

export async function listSchedules(deps?: ProducerDeps): Promise<ScheduleInfo[]> {
  return withContext(deps, async (ctx) => {
    const all = await ctx.redis.hgetall(ctx.keys.schedules());
    const queue = scheduleQueue(ctx);
    try {
      const schedulers = await queue.getJobSchedulers(0, -1);
      const next = new Map(schedulers.map((s) => [s.key, s.next]));
      return Object.values(all)
        .map((json) => JSON.parse(json) as StoredSchedule)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((s) => toInfo(s, next.get(s.name)));
    } finally {
      await closeAll(queue);
    }
  });
}

/** Stored options of one schedule (undefined once removed). */
export async function getSchedule(name: string, deps?: ProducerDeps): Promise<ScheduleInfo | undefined> {
  return withContext(deps, async (ctx) => {
    const json = await ctx.redis.hget(ctx.keys.schedules(), name);
    return json ? toInfo(JSON.parse(json) as StoredSchedule) : undefined;
  });
}

/** Removes the job scheduler, the stored options and the incremental ETag map. false when it did not exist. */
export async function removeSchedule(name: string, deps?: ProducerDeps): Promise<boolean> {
  return withContext(deps, async (ctx) => {
    const queue = scheduleQueue(ctx);
    try {
      const hadScheduler = await queue.removeJobScheduler(name);
      const removed = await ctx.redis.hdel(ctx.keys.schedules(), name);
      await ctx.redis.del(ctx.keys.scheduleEtags(name));
      return hadScheduler || removed > 0;
    } finally {
      await closeAll(queue);
    }
  });
}
