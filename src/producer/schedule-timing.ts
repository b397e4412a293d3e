import { CronExpressionParser } from 'cron-parser';
import { UsageError } from '../core/errors/index.js';

/**
 * The shortest interval between two firings of a schedule. Each firing is a whole run (a listing, a run
 * record, results): sub-minute schedules flood Redis and storage, so they need `--allow-sub-minute`.
 */
const MIN_SCHEDULE_INTERVAL_MS = 60_000;
/** Even with `--allow-sub-minute`. */
const MIN_SUB_MINUTE_INTERVAL_MS = 1_000;
const FIRINGS_CHECKED = 50;

export interface ScheduleTiming {
  cron?: string;
  everyMs?: number;
  tz?: string;
  /** Accept intervals under a minute (down to 1 s) and cron's seconds field. */
  allowSubMinute?: boolean;
}

/** Validates cron/every/tz and the minimum interval; throws UsageError naming the option. Writes nothing. */
export function validateScheduleTiming(t: ScheduleTiming): void {
  if ((t.cron === undefined) === (t.everyMs === undefined)) {
    throw new UsageError('INVALID_OPTION', 'give exactly one of --cron EXPR and --every DURATION');
  }
  const min = t.allowSubMinute ? MIN_SUB_MINUTE_INTERVAL_MS : MIN_SCHEDULE_INTERVAL_MS;
  const hint = t.allowSubMinute ? '' : ' (shorter intervals need --allow-sub-minute)';
  if (t.everyMs !== undefined) {
    if (!Number.isInteger(t.everyMs) || t.everyMs < min) {
      throw new UsageError('INVALID_OPTION', `--every must be at least ${min / 1000}s${hint}`);
    }
    return;
  }
  const cron = (t.cron ?? '').trim();
  const fields = cron.split(/\s+/);
  if (!/^\S+(\s+\S+){4,5}$/.test(cron)) {
    throw new UsageError(
      'INVALID_OPTION',
      `--cron must have 5 or 6 fields such as "0 * * * *" (got ${JSON.stringify(t.cron)})`,
    );
  }
  if (fields.length === 6 && !t.allowSubMinute) {
    throw new UsageError(
      'INVALID_OPTION',
      `--cron ${JSON.stringify(cron)} has a seconds field; schedules fire at most once a minute${hint}`,
    );
  }
  const gap = shortestGap(cron, t.tz);
  if (gap < min) {
    throw new UsageError(
      'INVALID_OPTION',
      `--cron ${JSON.stringify(cron)} fires every ${gap / 1000}s; the minimum is ${min / 1000}s${hint}`,
    );
  }
}

/** The smallest gap between the next firings of a cron expression (UsageError when it is invalid). */
function shortestGap(cron: string, tz: string | undefined): number {
  let times: number[];
  try {
    const expr = CronExpressionParser.parse(cron, { tz: tz ?? 'UTC', currentDate: new Date() });
    times = Array.from({ length: FIRINGS_CHECKED }, () => expr.next().getTime());
  } catch (err) {
    throw new UsageError(
      'INVALID_OPTION',
      `--cron ${JSON.stringify(cron)}${tz ? ` (--tz ${tz})` : ''} is not a valid cron expression: ${(err as Error).message}`,
      { cause: err },
    );
  }
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  return gap;
}
