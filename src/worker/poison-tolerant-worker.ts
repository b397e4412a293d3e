import { type Job, type JobJson, Worker } from 'bullmq';

/** What an unreadable job's data is replaced with, so its processor can fail it with the reason. */
export interface UnreadablePayload {
  unreadable: string;
}

export function unreadableReason(data: unknown): string | undefined {
  const u = (data as Partial<UnreadablePayload> | null | undefined)?.unreadable;
  return typeof u === 'string' ? u : undefined;
}

/**
 * A BullMQ worker that survives jobs whose stored data is not JSON (added by hand, written by another tool,
 * corrupted). BullMQ parses the data after moving the job to active; a parse error there leaves the job active
 * without a lock, so stall recovery hands it back forever (and its deferred "stalled too many times" failure
 * is never applied, because that also needs the parsed job). Here the job is built with a stand-in payload
 * naming the problem, so the processor fails it for good like any invalid payload, and its run counts it.
 */
export class PoisonTolerantWorker<D = unknown, R = unknown> extends Worker<D, R> {
  protected override createJob(data: JobJson, jobId: string): Job<D, R, string> {
    try {
      return super.createJob(data, jobId);
    } catch (err) {
      const raw = typeof data.data === 'string' ? data.data : String(data.data);
      const stand: UnreadablePayload = {
        unreadable:
          `job data is not JSON (${(err as Error).message}); ${raw.length} characters starting ` +
          JSON.stringify(raw.slice(0, 80)),
      };
      return super.createJob({ ...data, data: JSON.stringify(stand) }, jobId);
    }
  }
}
