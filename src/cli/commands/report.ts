import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { addConnectionOptions, type ConnectionFlags, depsFrom, positiveInt, printJson } from '../options.js';
import { print } from '../output.js';

interface ReportFlags extends ConnectionFlags {
  out?: string;
  output?: string;
  perLabel?: number;
  thumbnailLabels?: number;
  json?: boolean;
}

export function register(program: Command): void {
  addConnectionOptions(program.command('report'))
    .description(
      'Write one self-contained HTML report of a run: label distribution, score histograms, thumbnails of ' +
        'the most and least confident images per label, errors with examples, timing',
    )
    .argument('<run-id>', 'the run id printed by zeroshot enqueue')
    .option(
      '--out <path-or-uri>',
      'where to write the page: a local path or a file:// / s3:// URI (default ./zeroshot-report-<run-id>.html)',
    )
    .option(
      '--output <prefix-uri>',
      "the run's output prefix: read the results from storage only, without Redis (an expired run record)",
    )
    .option(
      '--per-label <n>',
      'most and least confident images shown per label (default 6, max 100)',
      positiveInt,
    )
    .option(
      '--thumbnail-labels <n>',
      'largest labels that get thumbnails (default 50, max 1000)',
      positiveInt,
    )
    .option('--json', 'print {out, stats} as JSON')
    .action(
      action(async (runId: string, flags: ReportFlags) => {
        process.env.ZEROSHOT_LOG_LEVEL ??= 'warn';
        const { writeRunReport } = await import('../../report/index.js');
        const res = await writeRunReport(
          runId,
          {
            ...(flags.out ? { out: flags.out } : {}),
            ...(flags.output ? { output: flags.output } : {}),
            ...(flags.perLabel ? { perLabel: flags.perLabel } : {}),
            ...(flags.thumbnailLabels ? { thumbnailLabels: flags.thumbnailLabels } : {}),
          },
          depsFrom(flags),
        );
        if (flags.json) printJson(res);
        else {
          const s = res.stats;
          print(
            `report written: ${res.out}\n` +
              `  ${s.lines} lines from ${s.parts} part files · ${s.ok} scored · ${s.errors} errors · ` +
              `${s.labels} labels · ${s.thumbnails} thumbnails · ${(s.bytes / 1024).toFixed(0)} KiB\n`,
          );
        }
        return EXIT.ok;
      }),
    );
}
