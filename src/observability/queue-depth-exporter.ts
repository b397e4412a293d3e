import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Registry, register } from 'prom-client';
import { UsageError } from '../core/errors/index.js';
import { createRedis, queueConfigFromEnv } from '../jobs/connection.js';
import { keys, QUEUES } from '../jobs/names.js';
import { RedisLease } from '../jobs/redis-lease.js';
import { type Logger, redactUrl, logger as rootLogger } from './logger.js';
import { createMetrics } from './metrics.js';

/** The BullMQ job states published as `zeroshot_queue_jobs{state}`. */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
  'waiting-children',
] as const;

export interface QueueDepthExporterOptions {
  /** Redis to read; default `REDIS_URL`. Ignored when `connection` is given. */
  redisUrl?: string;
  /** An existing ioredis connection to share (not closed by `stop()`). */
  connection?: Redis;
  /** BullMQ prefix. Default `ZEROSHOT_QUEUE_PREFIX` or `{zeroshot}`. */
  prefix?: string;
  /** Registry that receives `zeroshot_queue_jobs`. Default prom-client's global registry. */
  registry?: Registry;
  /** How often counts are read (and the lease renewed). Default 5000 ms. */
  intervalMs?: number;
  /** Only the holder of a Redis lease publishes, so each queue is exported once. Default true. */
  elect?: boolean;
  /** Lease time-to-live; a dead holder is replaced after this long. Default 3 × intervalMs. */
  leaseMs?: number;
  /** Queues to count. Default chunks, runs, schedules. */
  queues?: string[];
  logger?: Logger;
}

export interface QueueDepthExporter {
  /** Reads the counts now (waits for a read in progress first). */
  refresh(): Promise<void>;
  /** True while this process publishes the gauges. */
  isLeader(): boolean;
  /** Stops reading, releases the lease, removes the series and closes what it opened. */
  stop(): Promise<void>;
}

function validate(opts: QueueDepthExporterOptions) {
  const intervalMs = opts.intervalMs ?? 5_000;
  if (!Number.isInteger(intervalMs) || intervalMs < 10) {
    throw new UsageError('INVALID_OPTION', `intervalMs must be an integer ≥ 10 (ms), got ${opts.intervalMs}`);
  }
  const leaseMs = opts.leaseMs ?? intervalMs * 3;
  if (!Number.isInteger(leaseMs) || leaseMs <= intervalMs) {
    throw new UsageError(
      'INVALID_OPTION',
      `leaseMs must be an integer greater than intervalMs (${intervalMs}), got ${opts.leaseMs}`,
    );
  }
  const queues = opts.queues ?? Object.values(QUEUES);
  if (!Array.isArray(queues) || queues.length === 0 || queues.some((q) => typeof q !== 'string' || !q)) {
    throw new UsageError('INVALID_OPTION', 'queues must be a non-empty array of queue names');
  }
  return { intervalMs, leaseMs, queues, elect: opts.elect ?? true };
}

/**
 * Publishes `zeroshot_queue_jobs{queue,state}` from BullMQ's job counts. With `elect` (the default) every
 * worker may start one, yet only the lease holder publishes: the others remove the series, so a
 * `sum by (queue, state)` over all scraped targets counts each job once. Returns at once; reads run in
 * the background every `intervalMs`.
 */
export function startQueueDepthExporter(opts: QueueDepthExporterOptions = {}): QueueDepthExporter {
  const { intervalMs, leaseMs, queues: queueNames, elect } = validate(opts);
  const config = queueConfigFromEnv(process.env, {
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
  });
  const { prefix } = config;
  const log = (opts.logger ?? rootLogger()).child({ component: 'queue-depth-exporter' });
  const ownsConnection = !opts.connection;
  const redis = opts.connection ?? createRedis(config.redisUrl);
  // Redis errors are reported by the reads below; without a listener ioredis prints them itself.
  if (ownsConnection) redis.on('error', () => {});
  const { queueJobs: gauge, queueExporterLeader: leaderGauge } = createMetrics(opts.registry ?? register);
  const queues = queueNames.map((name) => {
    const q = new Queue(name, { connection: redis, prefix });
    q.on('error', () => {}); // surfaced by the failed read in tick()
    return q;
  });
  const lease = new RedisLease(redis, keys(prefix).exporterLease(), leaseMs);

  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const clearSeries = () => {
    for (const queue of queueNames) for (const state of QUEUE_STATES) gauge.remove({ queue, state });
  };

  const setLeader = (now: boolean) => {
    if (now !== leader) {
      log.info(
        { holder: lease.token },
        now ? 'exporting queue depth (lease taken)' : 'lease lost or not held',
      );
    }
    leader = now;
    leaderGauge.set(now ? 1 : 0);
  };

  const tick = async () => {
    try {
      setLeader(elect ? await lease.acquireOrRenew() : true);
      if (!leader) {
        clearSeries();
        return;
      }
      const counts = await Promise.all(queues.map((q) => q.getJobCounts(...QUEUE_STATES)));
      if (stopped) return;
      queueNames.forEach((queue, i) => {
        for (const state of QUEUE_STATES) gauge.set({ queue, state }, counts[i]?.[state] ?? 0);
      });
    } catch (err) {
      // Stale numbers are worse than none: drop the series until Redis answers again.
      clearSeries();
      log.warn({ err: (err as Error).message }, 'cannot read queue depth');
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = running.then(tick).finally(schedule);
    }, intervalMs);
    timer.unref();
  };

  const refresh = () => {
    running = running.then(tick);
    return running;
  };

  log.info({ redis: redactUrl(config.redisUrl), prefix, intervalMs, elect }, 'queue-depth exporter started');
  running = tick().finally(schedule);

  return {
    refresh,
    isLeader: () => leader,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
      clearSeries();
      leaderGauge.set(0);
      if (leader && elect) await lease.release().catch(() => false);
      leader = false;
      await Promise.all(queues.map((q) => q.close().catch(() => {})));
      if (ownsConnection) redis.disconnect();
    },
  };
}
