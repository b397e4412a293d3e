import { type Command, Option } from 'commander';
import { ModelError, UsageError, ZeroshotError } from '../../core/errors/index.js';
import { logger } from '../../observability/logger.js';
import { startScheduleWorker } from '../../producer/index.js';
import { WORKER_OPTIONS } from '../../worker/config.js';
import { startWorker } from '../../worker/index.js';
import { closeOnSignals } from '../../worker/shutdown.js';
import { EXIT } from '../exit.js';
import { collect } from '../options.js';
import { printError } from '../output.js';

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .description(
      'Process chunk jobs: fetch images, batched ONNX inference, write part-<chunk>.jsonl and _SUMMARY.json. ' +
        'Runs until SIGTERM/SIGINT. Flags override environment variables, which override defaults.',
    );
  for (const def of WORKER_OPTIONS) {
    const opt = new Option(def.flag, `${def.description} [env ${def.env}; default ${def.defaultText}]`);
    if (def.repeatable) opt.argParser(collect);
    cmd.addOption(opt);
  }
  cmd.addHelpText(
    'after',
    '\nStorage uses the standard AWS configuration (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL_S3, ...)' +
      ' and ZEROSHOT_S3_FORCE_PATH_STYLE=1 for MinIO. Logs: ZEROSHOT_LOG_LEVEL.' +
      `\nExit status: 0 after a clean shutdown, ${EXIT.usage} for a bad option, ${EXIT.model} when the model cannot be loaded.`,
  );
  cmd.action(async (flags: Record<string, unknown>) => {
    process.exitCode = await runWorker(flags);
    // Anything still holding the event loop after a clean close must not keep the process alive.
    setTimeout(() => process.exit(), 2_000).unref();
  });
}

async function runWorker(flags: Record<string, unknown>): Promise<number> {
  const given: Record<string, unknown> = {};
  for (const def of WORKER_OPTIONS) {
    const v = flags[new Option(def.flag).attributeName()];
    if (v !== undefined) given[def.key] = v;
  }
  const log = logger();
  let worker: ReturnType<typeof startWorker>;
  try {
    // This process also fires schedules (--scheduler): the producer's consumer, composed here.
    worker = startWorker({ ...given, scheduleWorker: startScheduleWorker });
  } catch (err) {
    if (err instanceof UsageError) {
      printError(`zeroshot worker: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const stopped = closeOnSignals(() => worker.close(), {
    log,
    shutdownTimeoutMs: worker.config.shutdownTimeoutMs,
  });
  try {
    await worker.ready;
  } catch (err) {
    await worker.close({ timeoutMs: 0 }).catch(() => {});
    if (err instanceof ModelError) {
      printError(
        `zeroshot worker: cannot load the model (${err.code}): ${err.message}\n` +
          '  No job was taken. Give a model with --model DIR or ZEROSHOT_MODEL, or run `zeroshot model pull <hub-repo>`.\n',
      );
      return EXIT.model;
    }
    if (err instanceof UsageError) {
      printError(`zeroshot worker: ${err.message}\n`);
      return EXIT.usage;
    }
    const code = err instanceof ZeroshotError ? `${err.code}: ` : '';
    printError(`zeroshot worker: ${code}${(err as Error).message}\n`);
    return EXIT.someFailed;
  }
  const signal = await stopped;
  log.info({ signal }, 'worker exited cleanly');
  return EXIT.ok;
}
