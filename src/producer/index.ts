export { parseDuration } from '../core/duration.js';
export type { RunPhase, RunState } from '../runs/run-record.js';
export { type CancelResult, cancelRun } from './cancel-run.js';
export type { ProducerDeps } from './deps.js';
export { type EnqueueResult, enqueueRun } from './enqueue-run.js';
export { type FailedChunk, listFailedChunks, type RetryResult, retryFailedChunks } from './failed-chunks.js';
export { DEFAULT_EXTENSIONS, ENQUEUE_DEFAULTS, type EnqueueOptions } from './options.js';
export { type PruneOptions, type PruneReport, pruneRuns } from './prune.js';
export { checkRunIdNamespace, newRunId, SCHEDULED_RUN_PREFIX, scheduledRunId } from './run-id.js';
export { getRunStatus, listRuns, type RunStatus } from './run-status.js';
export { startScheduleWorker } from './schedule-worker.js';
export {
  addSchedule,
  getSchedule,
  listSchedules,
  removeSchedule,
  type ScheduledEnqueueOptions,
  type ScheduleInfo,
  type ScheduleOptions,
} from './schedules.js';
export { type WaitOptions, waitForRun } from './wait-for-run.js';
