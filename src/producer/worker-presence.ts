import type { ProducerContext } from './deps.js';
import { chunkQueue, closeAll } from './queues.js';

/**
 * Whether any worker consumes a context's chunk queue. BullMQ names its worker connections, so CLIENT LIST
 * tells; where that command is not allowed (some managed Redis), undefined: unknown.
 */
async function chunkWorkersCount(ctx: ProducerContext): Promise<number | undefined> {
  const queue = chunkQueue(ctx);
  try {
    return await queue.getWorkersCount();
  } catch {
    return undefined;
  } finally {
    await closeAll(queue);
  }
}

/**
 * Tracks when a worker was last seen for a waiting caller: a worker connection on the queue, or (when
 * connections cannot be listed) progress on the run. `check()` returns the seconds without a worker once
 * they reach `warnAfterMs`, at most once per `warnAfterMs`.
 */
export class WorkerPresence {
  private lastSeen: number;
  private lastWarned = 0;
  private lastProgress = -1;

  constructor(
    private readonly ctx: ProducerContext,
    private readonly warnAfterMs: number,
    now = Date.now(),
  ) {
    this.lastSeen = now;
  }

  async check(processed: number, now = Date.now()): Promise<number | undefined> {
    const workers = await chunkWorkersCount(this.ctx);
    const progressed = processed !== this.lastProgress;
    this.lastProgress = processed;
    if ((workers ?? 0) > 0 || (workers === undefined && progressed)) this.lastSeen = now;
    const missing = now - this.lastSeen;
    if (missing < this.warnAfterMs || now - this.lastWarned < this.warnAfterMs) return undefined;
    this.lastWarned = now;
    return Math.round(missing / 1000);
  }
}
