import { Command, CommanderError } from 'commander';
import { EXIT } from './exit.js';

// `zeroshot ... | head`: the reader is gone, so the rest of the output has nowhere to go. Stop quietly
// instead of dying on an unhandled EPIPE with a stack trace (what `cat` and `ls` do, minus the signal).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
}

const program = new Command('zeroshot')
  .description('Bulk zero-shot image labeling with CLIP-style ONNX models')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  // Options belong to the command they follow (`runs prune --json` is prune's): the program itself has
  // only --version and --help.
  .enablePositionalOptions()
  .exitOverride();

type CommandModule = { register(program: Command): void };

// Each module adds its commands. Only the invoked command's module is loaded (the others pull in ONNX
// Runtime, sharp, BullMQ or the AWS SDK and would cost a second or more of start-up); help, --version and
// unknown commands load them all so commander can list and suggest every command.
const MODULES: Record<string, () => Promise<CommandModule>> = {
  classify: () => import('./commands/classify.js'),
  model: () => import('./commands/model.js'),
  enqueue: () => import('./commands/enqueue.js'),
  runs: () => import('./commands/runs.js'),
  schedule: () => import('./commands/schedule.js'),
  worker: () => import('./commands/worker.js'),
  ops: () => import('./commands/ops.js'),
  report: () => import('./commands/report.js'),
};
const MODULE_OF: Record<string, string> = {
  classify: 'classify',
  model: 'model',
  enqueue: 'enqueue',
  status: 'runs',
  runs: 'runs',
  cancel: 'runs',
  failed: 'runs',
  retry: 'runs',
  schedule: 'schedule',
  worker: 'worker',
  exporter: 'ops',
  dashboard: 'ops',
  report: 'report',
};
const invoked = MODULE_OF[process.argv[2] ?? ''];
const load = invoked ? [invoked] : Object.keys(MODULES);
for (const mod of await Promise.all(load.map((name) => (MODULES[name] as () => Promise<CommandModule>)()))) {
  mod.register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed its one-line explanation; help and version exit 0.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    throw err;
  }
}
