import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import { UsageError, ZeroshotError } from '../../core/errors/index.js';
import {
  DEFAULT_EXTENSIONS,
  ENQUEUE_DEFAULTS,
  type EnqueueOptions,
  enqueueRun,
  type RunStatus,
  waitForRun,
} from '../../producer/index.js';
import { action, EXIT } from '../exit.js';
import { readLabelArgs } from '../label-args.js';
import {
  addConnectionOptions,
  type ConnectionFlags,
  collect,
  depsFrom,
  positiveInt,
  probability,
} from '../options.js';
import { count, print, printError, safeJson } from '../output.js';
import { formatSeconds, formatStatus, quietLogs } from './runs.js';

/** Flags shared by `zeroshot enqueue` and `zeroshot schedule add`. */
export interface EnqueueFlags {
  manifest?: string;
  labels?: string[];
  labelsFile?: string;
  template?: string[];
  ensemble?: string;
  topK?: number | 'all';
  mode?: 'softmax' | 'sigmoid' | 'multilabel';
  threshold?: number;
  output?: string;
  chunkSize?: number;
  priority?: number;
  attempts?: number;
  ext?: string;
  include?: string[];
  exclude?: string[];
  maxImages?: number;
  maxPendingChunks?: number;
  storeEmbeddings?: boolean;
  report?: boolean;
  reuseEmbeddings?: boolean;
}

/**
 * A command-line location as a storage URI: URIs pass through untouched; a local path becomes
 * `file:///abs/path` (taken literally, no percent-encoding), with a trailing `/` when it is a directory.
 */
function toUri(arg: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(arg)) return arg;
  const abs = path.resolve(arg);
  const dir = arg.endsWith('/') || arg.endsWith(path.sep) || (existsSync(abs) && statSync(abs).isDirectory());
  return `file://${abs}${dir && abs !== '/' ? '/' : ''}`;
}

/** `--top-k`: a whole number from 1, or `all`. */
function topKArg(raw: string): number | 'all' {
  return raw.trim().toLowerCase() === 'all' ? 'all' : positiveInt(raw);
}

/** Adds the options that describe what to enqueue and how to score it. */
export function addEnqueueOptions(cmd: Command): Command {
  return cmd
    .option(
      '--manifest <uri>',
      'file of image URIs: JSONL ({"uri": ...}), CSV with a uri column, or one per line (local or s3://)',
    )
    .option('--labels <list>', 'comma-separated labels, e.g. "cat,dog" (repeatable)', collect)
    .option('--labels-file <file>', 'one label per line (blank lines and # comments ignored)')
    .option('--template <text>', 'hypothesis template with {} for the label (repeatable: averaged)', collect)
    .option('--ensemble <name>', "template preset: imagenet80 (the CLIP paper's 80 ImageNet prompts)")
    .option(
      '--top-k <k>',
      `labels kept per image, best first; "all" keeps every label (default ${ENQUEUE_DEFAULTS.topK})`,
      topKArg,
    )
    .addOption(
      new Option('--mode <mode>', 'softmax (CLIP default), sigmoid (SigLIP) or multilabel').choices([
        'softmax',
        'sigmoid',
        'multilabel',
      ]),
    )
    .option('--threshold <x>', 'multilabel: keep labels scoring at least x', probability)
    .option('--output <uri>', 'where results go: s3://bucket/prefix or a directory (default ZEROSHOT_OUTPUT)')
    .option('--chunk-size <n>', `images per chunk job (default ${ENQUEUE_DEFAULTS.chunkSize})`, positiveInt)
    .option(
      '--priority <n>',
      'chunk job priority: 1 is the highest (default: none, before prioritized jobs)',
      positiveInt,
    )
    .option(
      '--attempts <n>',
      `attempts per chunk job on transient failures (default ${ENQUEUE_DEFAULTS.attempts})`,
      positiveInt,
    )
    .option('--ext <list>', `extensions listed under prefixes (default ${DEFAULT_EXTENSIONS.join(',')})`)
    .option(
      '--include <glob>',
      'keep listed keys matching the glob, relative to the prefix (repeatable)',
      collect,
    )
    .option(
      '--exclude <glob>',
      'drop listed keys matching the glob (repeatable); a glob without / matches file names',
      collect,
    )
    .option('--max-images <n>', 'stop after this many images', positiveInt)
    .option(
      '--max-pending-chunks <n>',
      `pause listing while this many chunks of the run wait for workers (default ${ENQUEUE_DEFAULTS.maxPendingChunks})`,
      positiveInt,
    )
    .option('--store-embeddings', 'keep each image embedding next to the results for later re-labeling')
    .option(
      '--reuse-embeddings',
      'reuse stored embeddings of unchanged images (skips fetch, decode and vision)',
    )
    .option('--report', 'write report.html (zeroshot report) next to _SUMMARY.json when the run finalizes');
}

/** Turns parsed flags and positional URIs into producer options (labels read and validated here). */
export async function enqueueOptionsFromFlags(uris: string[], flags: EnqueueFlags): Promise<EnqueueOptions> {
  const labels = await readLabelArgs(flags.labels, flags.labelsFile);
  const output = flags.output ?? process.env.ZEROSHOT_OUTPUT;
  if (!output) {
    throw new UsageError(
      'INVALID_OPTION',
      '--output is required (s3://bucket/prefix or a directory), or set ZEROSHOT_OUTPUT',
    );
  }
  const opts: EnqueueOptions = { labels, output: toUri(output) };
  if (uris.length) opts.sources = uris.map(toUri);
  if (flags.manifest) opts.manifest = toUri(flags.manifest);
  if (flags.template?.length) opts.templates = flags.template;
  if (flags.ensemble) opts.ensemble = flags.ensemble;
  if (flags.topK !== undefined) opts.topK = flags.topK;
  if (flags.mode) opts.mode = flags.mode;
  if (flags.threshold !== undefined) opts.threshold = flags.threshold;
  if (flags.chunkSize !== undefined) opts.chunkSize = flags.chunkSize;
  if (flags.priority !== undefined) opts.priority = flags.priority;
  if (flags.attempts !== undefined) opts.attempts = flags.attempts;
  if (flags.ext !== undefined)
    opts.extensions = flags.ext
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
  if (flags.include?.length) opts.include = flags.include;
  if (flags.exclude?.length) opts.exclude = flags.exclude;
  if (flags.maxImages !== undefined) opts.maxImages = flags.maxImages;
  if (flags.maxPendingChunks !== undefined) opts.maxPendingChunks = flags.maxPendingChunks;
  if (flags.storeEmbeddings) opts.storeEmbeddings = true;
  if (flags.reuseEmbeddings) opts.reuseEmbeddings = true;
  if (flags.report) opts.report = true;
  return opts;
}

/** `3/10 chunks, 1 failed` */
function chunkText(s: RunStatus): string {
  return `${s.chunks.done}/${s.chunks.total} chunks, ${s.chunks.failed} failed`;
}

/** Progress while waiting: a bar on a terminal, a plain line every few seconds otherwise (stderr). */
function progressReporter(): { update(s: RunStatus): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format:
          '{bar} {percentage}% | {value}/{total} images | {failed} failed | {chunks} | {rate} img/s | ETA {eta}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(s) {
        const payload = {
          failed: s.images.failed,
          chunks: chunkText(s),
          rate: s.rate,
          eta: formatSeconds(s.etaSeconds),
        };
        const value = s.images.done + s.images.failed;
        if (!started) {
          bar.start(Math.max(1, s.images.total), value, payload);
          started = true;
        }
        bar.setTotal(Math.max(1, s.images.total));
        bar.update(value, payload);
      },
      stop: () => started && bar.stop(),
    };
  }
  // Not a terminal: a line every 5 s at most, and the last state seen when waiting ends.
  let last = 0;
  let unprinted: RunStatus | undefined;
  const line = (s: RunStatus) => {
    const processed = s.images.done + s.images.failed;
    printError(
      `${new Date().toISOString()} ${s.runId} ${s.state}: ${processed}/${s.images.total} images, ${s.images.failed} failed, ${chunkText(s)}, ${s.rate} img/s, ETA ${formatSeconds(s.etaSeconds)}\n`,
    );
  };
  return {
    update(s) {
      unprinted = s;
      if (Date.now() - last < 5_000) return;
      last = Date.now();
      unprinted = undefined;
      line(s);
    },
    stop() {
      if (unprinted) line(unprinted);
      unprinted = undefined;
    },
  };
}

interface EnqueueCliFlags extends EnqueueFlags, ConnectionFlags {
  runId?: string;
  wait?: boolean;
  json?: boolean;
  timeout?: number;
  warnNoWorker?: number;
}

async function run(uris: string[], flags: EnqueueCliFlags): Promise<number> {
  quietLogs();
  const opts = await enqueueOptionsFromFlags(uris, flags);
  if (flags.runId) opts.runId = flags.runId;
  const deps = depsFrom(flags);
  const res = await enqueueRun(opts, deps);
  if (!flags.wait) {
    if (flags.json) print(`${safeJson(res)}\n`);
    else {
      print(`${res.runId}\n`);
      printError(
        res.created
          ? `enqueued ${count(res.images, 'image')} in ${count(res.chunks, 'chunk')} (zeroshot status ${res.runId})\n`
          : `run ${res.runId} already exists: nothing enqueued\n`,
      );
    }
    return EXIT.ok;
  }
  if (!flags.json)
    printError(
      `${res.runId}: ${count(res.images, 'image')} in ${count(res.chunks, 'chunk')}; waiting for workers...\n`,
    );
  const progress = progressReporter();
  let final: RunStatus;
  try {
    final = await waitForRun(
      res.runId,
      {
        onProgress: (s) => progress.update(s),
        onNoWorker: ({ queue, seconds }) =>
          printError(
            `\nwarning: no worker is consuming queue ${queue} (none seen for ${seconds}s): start one with ` +
              '`zeroshot worker` (same REDIS_URL and ZEROSHOT_QUEUE_PREFIX)\n',
          ),
        noWorkerWarnMs: (flags.warnNoWorker ?? 30) * 1000,
        pollMs: 500,
        ...(flags.timeout ? { timeoutMs: flags.timeout * 1000 } : {}),
      },
      deps,
    );
  } catch (err) {
    if (!(err instanceof ZeroshotError && err.code === 'WAIT_TIMEOUT')) throw err;
    progress.stop();
    printError(`zeroshot: ${err.code}: ${err.message}\n`);
    return EXIT.timeout;
  } finally {
    progress.stop();
  }
  if (flags.json) print(`${safeJson({ ...res, status: final })}\n`);
  else print(formatStatus(final));
  const clean = final.state === 'completed' && final.images.failed === 0 && final.chunks.failed === 0;
  return clean ? EXIT.ok : EXIT.someFailed;
}

export function register(program: Command): void {
  const cmd = program
    .command('enqueue')
    .description(
      'Enqueue a labeling run: images, prefixes (ending with /) or a manifest, scored by the workers',
    )
    .argument('[uri...]', 's3://bucket/prefix/, s3://bucket/key.jpg, file:///dir/ or a local path');
  addConnectionOptions(addEnqueueOptions(cmd))
    .option('--run-id <id>', 'run id (default: a sortable time-based id); an existing id enqueues nothing')
    .option('--wait', 'wait for the run to finish with a progress bar, then print the summary')
    .option(
      '--timeout <seconds>',
      `with --wait: give up after this many seconds (exit status ${EXIT.timeout}; the run goes on)`,
      positiveInt,
    )
    .option(
      '--warn-no-worker <seconds>',
      'with --wait: warn when no worker has consumed the chunk queue for this long (default 30)',
      positiveInt,
    )
    .option('--json', 'print {runId, chunks, images, created} (with --wait also the final status) as JSON')
    .addHelpText(
      'after',
      '\nEnvironment: REDIS_URL, ZEROSHOT_QUEUE_PREFIX, ZEROSHOT_OUTPUT, AWS_* / ZEROSHOT_S3_* for S3.\n' +
        'Prints the run id. Exit status: 0 enqueued (with --wait: finished with no failures), 1 some images\n' +
        'or chunks failed / run cancelled or failed / Redis or storage error, 2 usage error (nothing enqueued),\n' +
        `${EXIT.timeout} --wait --timeout gave up before the run finished (the run goes on).`,
    )
    .action(action(async (uris: string[], flags: EnqueueCliFlags) => run(uris, flags)));
}
