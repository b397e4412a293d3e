import { FlowProducer, Queue } from 'bullmq';
import { QUEUES } from '../jobs/index.js';
import type { ProducerContext } from './deps.js';

/** BullMQ handles on the shared connection of a producer context (closing them keeps the connection). */
export function chunkQueue(ctx: ProducerContext): Queue {
  return new Queue(QUEUES.chunks, { connection: ctx.redis, prefix: ctx.prefix });
}

export function runQueue(ctx: ProducerContext): Queue {
  return new Queue(QUEUES.runs, { connection: ctx.redis, prefix: ctx.prefix });
}

export function scheduleQueue(ctx: ProducerContext): Queue {
  return new Queue(QUEUES.schedules, { connection: ctx.redis, prefix: ctx.prefix });
}

export function flowProducer(ctx: ProducerContext): FlowProducer {
  return new FlowProducer({ connection: ctx.redis, prefix: ctx.prefix });
}

/** `opts.parent.queue` of a chunk job: the qualified name of the runs queue. */
export function runsQueueKey(prefix: string): string {
  return `${prefix}:${QUEUES.runs}`;
}

/** Closes BullMQ handles, ignoring errors (the shared connection stays open). */
export async function closeAll(...handles: Array<{ close(): Promise<void> } | undefined>): Promise<void> {
  await Promise.all(handles.map((h) => h?.close().catch(() => undefined)));
}
