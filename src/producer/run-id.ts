import { randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors/index.js';

/** A sortable, time-based run id such as `20261128-101500-ab12cd` (UTC, then 6 random hex digits). */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-28T10:15:00.000Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Run ids starting with this belong to schedule firings only: `enqueue --run-id` refuses them, so nobody can
 * pre-create (and hijack) a schedule's future runs.
 */
export const SCHEDULED_RUN_PREFIX = 'sched.';

/**
 * The id of the run a schedule firing creates, `sched.<name>.<UTC stamp>`: deterministic per firing so a
 * retried firing adds nothing, and in the reserved namespace.
 */
export function scheduledRunId(name: string, firedAt: number): string {
  const iso = new Date(firedAt).toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const ms = iso.slice(20, 23);
  return `${SCHEDULED_RUN_PREFIX}${name}.${stamp}${ms === '000' ? '' : `.${ms}`}`.slice(0, 128);
}

/** UsageError unless `runId` is outside the reserved namespace, or is one of `schedule`'s own firings. */
export function checkRunIdNamespace(runId: string, schedule: string | undefined): void {
  if (!runId.startsWith(SCHEDULED_RUN_PREFIX)) return;
  if (schedule !== undefined && runId.startsWith(`${SCHEDULED_RUN_PREFIX}${schedule}.`)) return;
  throw new UsageError(
    'INVALID_OPTION',
    `--run-id ${JSON.stringify(runId)}: ids starting with "${SCHEDULED_RUN_PREFIX}" are reserved for schedule firings; choose another id`,
  );
}
