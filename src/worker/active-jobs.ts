import {
  DelayedError,
  type Job,
  type Processor,
  WaitingChildrenError,
  WaitingError,
  type Worker,
} from 'bullmq';
import { within } from './within.js';

/**
 * Jobs this process is working on, from the processor's start until BullMQ has recorded the outcome
 * ('completed'/'failed' event), so a shutdown knows when nothing is left to lose.
 */
export class ActiveJobs {
  private readonly ids = new Set<string>();
  private idleWaiters: Array<() => void> = [];

  get size(): number {
    return this.ids.size;
  }

  /** Wraps a processor and follows its jobs on `worker`'s events. */
  track<T>(processor: (job: Job, token?: string) => Promise<T>): Processor {
    return async (job: Job, token?: string) => {
      const key = `${job.queueName}:${job.id}`;
      this.ids.add(key);
      try {
        return await processor(job, token);
      } catch (err) {
        // The job already moved itself (delayed, waiting-children, back to wait); BullMQ emits no event then.
        if (
          err instanceof DelayedError ||
          err instanceof WaitingChildrenError ||
          err instanceof WaitingError
        ) {
          this.end(key);
        }
        throw err;
      }
    };
  }

  observe(worker: Worker): void {
    const end = (job: Job | undefined) => {
      if (job) this.end(`${job.queueName}:${job.id}`);
    };
    worker.on('completed', end);
    worker.on('failed', end);
  }

  /** Resolves true once no job is active, false after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.ids.size === 0) return true;
    return within(new Promise<void>((resolve) => this.idleWaiters.push(resolve)), timeoutMs);
  }

  private end(key: string): void {
    if (!this.ids.delete(key) || this.ids.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
