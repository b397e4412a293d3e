import type { Command } from 'commander';
import {
  addSchedule,
  listSchedules,
  parseDuration,
  removeSchedule,
  type ScheduleOptions,
} from '../../producer/index.js';
import { action, EXIT } from '../exit.js';
import { addConnectionOptions, type ConnectionFlags, depsFrom, printJson as json } from '../options.js';
import { print, printError } from '../output.js';
import { addEnqueueOptions, type EnqueueFlags, enqueueOptionsFromFlags } from './enqueue.js';
import { formatSeconds, quietLogs, table } from './runs.js';

interface AddFlags extends EnqueueFlags, ConnectionFlags {
  cron?: string;
  every?: string;
  tz?: string;
  incremental?: boolean;
  json?: boolean;
  allowSubMinute?: boolean;
}

export function register(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Scheduled re-labeling: every firing enqueues a new run sched.<name>.<firing time>');

  const add = schedule
    .command('add')
    .description('Add or replace a schedule (workers fire it; no extra process needed)')
    .argument('<name>', 'schedule name: letters, digits, _ . -')
    .argument('[uri...]', 'what each firing enqueues: prefixes (ending with /), images or local paths')
    .option('--cron <expr>', 'cron expression, e.g. "0 3 * * *" (UTC unless --tz)')
    .option('--every <duration>', 'fixed interval: 30s, 15m, 1h, 1h30m, 1d')
    .option('--tz <zone>', 'IANA time zone for --cron, e.g. Europe/Paris')
    .option(
      '--allow-sub-minute',
      'allow firings less than 60 s apart (down to 1 s) and a cron seconds field; each firing is a whole run',
    );
  addConnectionOptions(addEnqueueOptions(add))
    .option(
      '--incremental',
      "only images whose ETag changed since the schedule's previous run (new or modified objects)",
    )
    .option('--json', 'print the stored schedule as JSON')
    .addHelpText(
      'after',
      '\nEach firing enqueues a new run sched.<name>.<UTC firing time> (a retried firing reuses that id, so it never\n' +
        'runs twice). --every fires once right away, then at every interval; --cron follows the expression.\n' +
        'Running workers fire schedules (zeroshot worker); no extra process is needed.\n\n' +
        '--incremental: the schedule remembers the ETag of every image it ENQUEUED (Redis hash\n' +
        '<prefix>:schedule:<name>:etags); a firing enqueues only new objects and objects whose ETag changed.\n' +
        'An unchanged image is not enqueued again even if its previous run failed on it (use zeroshot retry);\n' +
        'a firing with nothing new creates no run; removing the schedule forgets the ETags.',
    )
    .action(
      action(async (name: string, uris: string[], flags: AddFlags) => {
        quietLogs();
        const enqueue = await enqueueOptionsFromFlags(uris, flags);
        if (flags.incremental) enqueue.incremental = true;
        const opts: ScheduleOptions = { enqueue };
        if (flags.cron !== undefined) opts.cron = flags.cron;
        if (flags.every !== undefined) opts.everyMs = parseDuration(flags.every, '--every');
        if (flags.tz) opts.tz = flags.tz;
        if (flags.allowSubMinute) opts.allowSubMinute = true;
        const info = await addSchedule(name, opts, depsFrom(flags));
        if (flags.json) json(info);
        else {
          const when = info.cron
            ? `cron "${info.cron}"${info.tz ? ` (${info.tz})` : ' (UTC)'}`
            : `every ${formatSeconds((info.everyMs ?? 0) / 1000)}`;
          print(`schedule ${name}: ${when}${info.incremental ? ', incremental' : ''}\n`);
        }
        return EXIT.ok;
      }),
    );

  addConnectionOptions(schedule.command('list'))
    .description('List schedules with their next firing')
    .option('--json', 'print a JSON array of schedules')
    .action(
      action(async (flags: { json?: boolean } & ConnectionFlags) => {
        quietLogs();
        const all = await listSchedules(depsFrom(flags));
        if (flags.json) json(all);
        else if (all.length === 0) print('no schedules (zeroshot schedule add ...)\n');
        else {
          print(
            table(
              ['NAME', 'WHEN', 'INCREMENTAL', 'NEXT', 'SOURCES'],
              all.map((s) => [
                s.name,
                s.cron
                  ? `cron ${s.cron}${s.tz ? ` ${s.tz}` : ''}`
                  : `every ${formatSeconds((s.everyMs ?? 0) / 1000)}`,
                s.incremental ? 'yes' : 'no',
                s.next ?? '-',
                [
                  ...(s.enqueue.sources ?? []),
                  ...(s.enqueue.manifest ? [`manifest ${s.enqueue.manifest}`] : []),
                ].join(' '),
              ]),
            ),
          );
        }
        return EXIT.ok;
      }),
    );

  addConnectionOptions(schedule.command('remove'))
    .description('Remove a schedule (runs it already created are kept)')
    .argument('<name>')
    .action(
      action(async (name: string, flags: ConnectionFlags) => {
        quietLogs();
        if (await removeSchedule(name, depsFrom(flags))) {
          print(`schedule ${name} removed\n`);
          return EXIT.ok;
        }
        printError(`zeroshot: no schedule named ${name}\n`);
        return EXIT.someFailed;
      }),
    );
}
