import { Command, CommanderError } from 'commander';
import * as classify from './commands/classify.js';
import * as enqueue from './commands/enqueue.js';
import * as model from './commands/model.js';
import * as ops from './commands/ops.js';
import * as runs from './commands/runs.js';
import * as schedule from './commands/schedule.js';
import * as worker from './commands/worker.js';
import { EXIT } from './exit.js';

const program = new Command('zeroshot')
  .description('Bulk zero-shot image labeling with CLIP-style ONNX models')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

// Each module adds its commands: classify | model | enqueue | status, runs, cancel, failed, retry |
// schedule | worker | exporter, dashboard.
for (const mod of [classify, model, enqueue, runs, schedule, worker, ops]) mod.register(program);

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
