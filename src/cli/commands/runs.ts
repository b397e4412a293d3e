import type { Command } from 'commander';
import {
  cancelRun,
  getRunStatus,
  listFailedChunks,
  listRuns,
  parseDuration,
  pruneRuns,
  type RunStatus,
  retryFailedChunks,
} from '../../producer/index.js';
import { action, EXIT } from '../exit.js';
import {
  addConnectionOptions,
  type ConnectionFlags,
  depsFrom,
  printJson as json,
  positiveInt,
} from '../options.js';
import { count, print, safeText } from '../output.js';

/** Producer commands talk to the user; their library logs only matter at warn and above. */
export function quietLogs(): void {
  process.env.ZEROSHOT_LOG_LEVEL ??= 'warn';
}

/** `7d`, `36h`, else formatSeconds. */
function formatAge(ms: number): string {
  if (ms > 0 && ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return formatSeconds(ms / 1000);
}

export function formatSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '-';
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3_600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3_600)}h${String(Math.floor((t % 3_600) / 60)).padStart(2, '0')}m`;
}

/** Human-readable status block of one run. */
export function formatStatus(s: RunStatus): string {
  const rows: Array<[string, string]> = [
    ['run', s.runId],
    ['state', `${s.state}${s.sealed ? '' : ' (still enqueuing)'}`],
    [
      'images',
      `${s.images.done + s.images.failed}/${s.images.total} processed · ${s.images.done} ok · ${s.images.failed} failed`,
    ],
    [
      'chunks',
      `${s.chunks.done}/${s.chunks.total} done · ${s.chunks.failed} failed · ${s.chunks.pending} pending`,
    ],
    ['rate', `${s.rate} img/s${s.etaSeconds !== undefined ? ` · ETA ${formatSeconds(s.etaSeconds)}` : ''}`],
  ];
  const byCode = s.summary?.failuresByCode as Record<string, number> | undefined;
  if (byCode && Object.keys(byCode).length > 0) {
    rows.push([
      'errors',
      Object.entries(byCode)
        .map(([code, n]) => `${code} ×${n}`)
        .join(', '),
    ]);
  }
  if (s.output) rows.push(['output', `${s.output}${s.runId}/${s.summary ? ' (_SUMMARY.json written)' : ''}`]);
  if (s.labels !== undefined) rows.push(['labels', String(s.labels)]);
  if (s.schedule) rows.push(['schedule', s.schedule]);
  if (s.createdAt) rows.push(['created', s.createdAt]);
  if (s.startedAt) rows.push(['started', s.startedAt]);
  if (s.finishedAt) rows.push(['finished', s.finishedAt]);
  if (s.error) rows.push(['error', s.error]);
  if (s.chunks.failed > 0) rows.push(['hint', `zeroshot failed ${s.runId} · zeroshot retry ${s.runId}`]);
  return `${rows.map(([k, v]) => `${k.padEnd(9)}${safeText(v)}`).join('\n')}\n`;
}

/** A plain text table with left-aligned columns; cells are escaped (one line each, no control characters). */
export function table(header: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map((c) => safeText(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function register(program: Command): void {
  addConnectionOptions(program.command('status'))
    .description('Show the state and progress of a run')
    .argument('<run-id>', 'the run id printed by zeroshot enqueue')
    .option('--json', 'print the status as JSON')
    .action(
      action(async (runId: string, flags: { json?: boolean } & ConnectionFlags) => {
        quietLogs();
        const s = await getRunStatus(runId, depsFrom(flags));
        if (flags.json) json(s);
        else print(formatStatus(s));
        return EXIT.ok;
      }),
    );

  // Positional: `runs prune --json` is prune's --json, not the listing's.
  const runs = program.command('runs').enablePositionalOptions();
  addConnectionOptions(runs.command('prune'))
    .description(
      "Delete finished runs' Redis records older than --older-than, stale index entries, stored-embedding " +
        'index entries of deleted runs and ETag maps of removed schedules (results in storage stay)',
    )
    .option(
      '--older-than <duration>',
      'finished more than this long ago: 7d, 12h (default ZEROSHOT_RUN_RETENTION, else 30d)',
    )
    .option('--json', 'print what was removed as JSON')
    .action(
      action(async (flags: { olderThan?: string; json?: boolean } & ConnectionFlags) => {
        quietLogs();
        const olderThanMs = flags.olderThan ? parseDuration(flags.olderThan, '--older-than') : undefined;
        const report = await pruneRuns(olderThanMs === undefined ? {} : { olderThanMs }, depsFrom(flags));
        if (flags.json) json(report);
        else {
          print(
            `pruned ${count(report.runs, 'finished run')} older than ${formatAge(report.olderThanMs)}, ` +
              `${count(report.staleIndexEntries, 'stale index entry', 'stale index entries')}, ` +
              `${count(report.embeddingIndexEntries, 'embedding index entry', 'embedding index entries')}, ` +
              `${count(report.scheduleEtagMaps, 'ETag map')} of removed schedules\n`,
          );
        }
        return EXIT.ok;
      }),
    );

  addConnectionOptions(runs)
    .description('List the most recent runs, newest first (runs prune: delete old finished runs)')
    .option('--limit <n>', 'how many runs (default 20)', positiveInt)
    .option('--json', 'print a JSON array of run statuses')
    .action(
      action(async (flags: { limit?: number; json?: boolean } & ConnectionFlags) => {
        quietLogs();
        const runs = await listRuns({ limit: flags.limit ?? 20 }, depsFrom(flags));
        if (flags.json) json(runs);
        else if (runs.length === 0) print('no runs yet (zeroshot enqueue ...)\n');
        else {
          print(
            table(
              ['RUN ID', 'STATE', 'IMAGES', 'FAILED', 'CHUNKS', 'CREATED'],
              runs.map((r) => [
                r.runId,
                r.state,
                `${r.images.done + r.images.failed}/${r.images.total}`,
                String(r.images.failed),
                `${r.chunks.done}/${r.chunks.total}${r.chunks.failed ? ` (${r.chunks.failed} failed)` : ''}`,
                r.createdAt ?? '',
              ]),
            ),
          );
        }
        return EXIT.ok;
      }),
    );

  addConnectionOptions(program.command('cancel'))
    .description('Cancel a run: chunks not started yet are removed, running ones write nothing')
    .argument('<run-id>')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (runId: string, flags: { json?: boolean } & ConnectionFlags) => {
        quietLogs();
        const res = await cancelRun(runId, depsFrom(flags));
        if (flags.json) json(res);
        else if (res.cancelled)
          print(`run ${runId} cancelled (${count(res.removed, 'pending chunk')} removed)\n`);
        else print(`run ${runId} is already ${res.state}: nothing to cancel\n`);
        return EXIT.ok;
      }),
    );

  addConnectionOptions(program.command('failed'))
    .description('List the chunks of a run that failed after all their attempts, with the reasons')
    .argument('<run-id>')
    .option('--json', 'print a JSON array of {index, jobId, failedReason, attemptsMade, images}')
    .action(
      action(async (runId: string, flags: { json?: boolean } & ConnectionFlags) => {
        quietLogs();
        const failed = await listFailedChunks(runId, depsFrom(flags));
        if (flags.json) json(failed);
        else if (failed.length === 0) print(`run ${runId} has no failed chunks\n`);
        else {
          print(
            table(
              ['CHUNK', 'JOB ID', 'IMAGES', 'ATTEMPTS', 'REASON'],
              failed.map((f) => [
                String(f.index),
                f.jobId,
                f.images === undefined ? '?' : String(f.images),
                String(f.attemptsMade),
                f.failedReason.split('\n')[0] ?? '',
              ]),
            ),
          );
          print(`re-queue them with: zeroshot retry ${runId}\n`);
        }
        return EXIT.ok;
      }),
    );

  addConnectionOptions(program.command('retry'))
    .description('Re-queue the failed chunks of a run; the run then finalizes again with a new summary')
    .argument('<run-id>')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (runId: string, flags: { json?: boolean } & ConnectionFlags) => {
        quietLogs();
        const res = await retryFailedChunks(runId, depsFrom(flags));
        if (flags.json) json(res);
        else if (res.retried === 0) print(`run ${runId} has no failed chunks to retry\n`);
        else
          print(
            `run ${runId}: ${count(res.retried, 'chunk')} re-queued${res.refinalized ? '; the summary will be rewritten' : ''}\n`,
          );
        return EXIT.ok;
      }),
    );
}
