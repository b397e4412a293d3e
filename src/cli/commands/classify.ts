import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import { createClassifier } from '../../core/classifier.js';
import { UsageError } from '../../core/errors/index.js';
import { hasImageExtension, IMAGE_EXTENSIONS } from '../../core/io/image-extensions.js';
import { parseHttpSources } from '../../core/io/index.js';
import { MODEL_DTYPES, parseDtype } from '../../core/model/index.js';
import { flagOrEnv, providerList } from '../../core/options.js';
import { resolveTemplates, validateScoreOptions } from '../../core/scoring/index.js';
import type { ImageResult, ScoreMode } from '../../core/types.js';
import { action, EXIT } from '../exit.js';
import { readLabelArgs } from '../label-args.js';
import { collect, positiveInt, probability } from '../options.js';
import { count, print, printError, safeJson, safeText } from '../output.js';

interface ClassifyFlags {
  labels?: string[];
  labelsFile?: string;
  template?: string[];
  ensemble?: string;
  topK?: number;
  mode?: ScoreMode;
  threshold?: number;
  model?: string;
  provider?: string;
  dtype?: string;
  batchSize?: number;
  fastResize?: boolean;
  iccProfiles?: 'ignore' | 'convert';
  decodeMemoryMb?: number;
  json?: boolean;
  jsonl?: boolean;
  allowHttpHost?: string[];
}

export function register(program: Command): void {
  program
    .command('classify')
    .description(
      'Classify local images (files, directories of images, http(s) URLs) against free-form labels',
    )
    .argument('<image...>', 'image files, directories (their images, not recursive) or http(s) URLs')
    .option('--labels <list>', 'comma-separated labels, e.g. "cat,dog" (repeatable)', collect)
    .option('--labels-file <file>', 'one label per line (blank lines and # comments ignored)')
    .option('--template <text>', 'hypothesis template with {} for the label (repeatable: averaged)', collect)
    .option('--ensemble <name>', "template preset: imagenet80 (the CLIP paper's 80 ImageNet prompts)")
    .option('--top-k <n>', 'labels shown per image (default 5)', positiveInt)
    .addOption(
      new Option('--mode <mode>', 'softmax (CLIP default), sigmoid (SigLIP default) or multilabel').choices([
        'softmax',
        'sigmoid',
        'multilabel',
      ]),
    )
    .option(
      '--threshold <x>',
      'keep labels scoring at least x (implies --mode multilabel; default 0.5)',
      probability,
    )
    .option(
      '--model <dir>',
      'model directory or cached owner/name [env ZEROSHOT_MODEL; default the model cache]',
    )
    .option(
      '--provider <list>',
      'execution providers in preference order, comma separated: cuda,cpu [env ZEROSHOT_PROVIDER; default cuda,cpu]',
    )
    .option(
      '--dtype <dtype>',
      `model weights variant: ${MODEL_DTYPES.join('|')} [env ZEROSHOT_DTYPE; default fp16 on CUDA when the model has it, else fp32, else the variant the model has]`,
    )
    .option('--batch-size <n>', 'images per inference batch (default 16 on CPU, 64 on CUDA)', positiveInt)
    .option(
      '--fast-resize',
      'JPEG shrink-on-load: faster, slightly less faithful to the reference preprocessing',
    )
    .addOption(
      new Option(
        '--icc-profiles <mode>',
        'embedded ICC profiles: ignore (default, as the HF/Pillow reference) or convert to sRGB',
      ).choices(['ignore', 'convert']),
    )
    .option(
      '--decode-memory-mb <n>',
      'memory budget of concurrent decodes, from each header (default 1024)',
      positiveInt,
    )
    .option('--json', 'print one JSON array of {image, labels} / {image, error} at the end')
    .option(
      '--jsonl',
      'print one JSON line per image as soon as it is scored (completion order; keeps nothing in memory)',
    )
    .option(
      '--allow-http-host <host>',
      'only fetch http(s) images from these hosts (host, host:port, or * for public addresses; repeatable; ' +
        'env ZEROSHOT_HTTP_SOURCES). Default: any URL, as curl would',
      collect,
    )
    .addHelpText(
      'after',
      `\nDirectories contribute their files ending in ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')} (the list\n` +
        'zeroshot enqueue uses). Progress goes to stderr when it is a terminal.\n' +
        'Exit status: 0 all images classified, 1 some images failed (the rest are still printed),\n' +
        '2 usage error (no labels, duplicate labels, bad option), 3 the model could not be loaded.',
    )
    .action(action(async (images: string[], flags: ClassifyFlags) => run(images, flags)));
}

/** On the user's own machine any URL is fetched, unless a flag or ZEROSHOT_HTTP_SOURCES restricts it. */
function httpSourcesFrom(flag: string[] | undefined, env: string | undefined) {
  if (flag?.length) return { httpSources: { allowHosts: parseHttpSources(flag, '--allow-http-host') } };
  if (env?.trim()) return { httpSources: { allowHosts: parseHttpSources(env, 'ZEROSHOT_HTTP_SOURCES') } };
  return {};
}

/** Everything that can be checked without the model, so a typo fails in milliseconds. */
async function parseFlags(flags: ClassifyFlags, env: NodeJS.ProcessEnv) {
  if (flags.json && flags.jsonl)
    throw new UsageError('INVALID_OPTION', 'use either --json or --jsonl, not both');
  const labels = await readLabelArgs(flags.labels, flags.labelsFile);
  const scoring = {
    templates: flags.template,
    ensemble: flags.ensemble,
    topK: flags.topK ?? 5,
    mode: flags.mode ?? (flags.threshold === undefined ? undefined : ('multilabel' as const)),
    threshold: flags.threshold,
  };
  resolveTemplates(scoring);
  validateScoreOptions(scoring);
  const provider = flagOrEnv(flags.provider, 'ZEROSHOT_PROVIDER', env);
  const dtype = flagOrEnv(flags.dtype, 'ZEROSHOT_DTYPE', env);
  const providerName = flags.provider === undefined ? 'ZEROSHOT_PROVIDER' : '--provider';
  return {
    labels,
    scoring,
    http: httpSourcesFrom(flags.allowHttpHost, env.ZEROSHOT_HTTP_SOURCES),
    providers: provider === undefined ? undefined : providerList(provider, providerName),
    dtype:
      dtype === undefined
        ? undefined
        : parseDtype(dtype, flags.dtype === undefined ? 'ZEROSHOT_DTYPE' : '--dtype'),
  };
}

async function run(args: string[], flags: ClassifyFlags): Promise<number> {
  const parsed = await parseFlags(flags, process.env);
  const images = await expandImageArgs(args);
  const classifier = await createClassifier({
    model: flags.model,
    providers: parsed.providers,
    dtype: parsed.dtype,
    batchSize: flags.batchSize,
    resize: flags.fastResize ? 'fast' : 'exact',
    iccProfiles: flags.iccProfiles,
    decodeMemoryBytes: flags.decodeMemoryMb === undefined ? undefined : flags.decodeMemoryMb * 1024 * 1024,
    ...parsed.http,
    onWarning: (msg) => printError(`zeroshot: warning: ${msg}\n`),
  });
  const progress = progressBar(images.length);
  const kept: ImageResult[] = [];
  let failed = 0;
  try {
    await classifier.classifyEach(
      images,
      parsed.labels,
      (r, i) => {
        if ('error' in r) failed++;
        if (flags.jsonl) print(`${safeJson(r)}\n`);
        else kept[i] = r;
        progress.tick();
      },
      parsed.scoring,
    );
  } finally {
    progress.stop();
    await classifier.close();
  }
  if (flags.json) print(`${safeJson(kept, 2)}\n`);
  else if (!flags.jsonl) print(formatResultsTable(kept, { fit: process.stdout.isTTY === true }));
  if (!flags.json && !flags.jsonl) {
    printError(
      `${count(images.length, 'image')}, ${failed} failed · model ${classifier.info.id} (${classifier.info.dtype}) on ${classifier.info.provider}\n`,
    );
  }
  return failed > 0 ? EXIT.someFailed : EXIT.ok;
}

/** A progress bar on stderr while images are scored, only when stderr is a terminal and there are several. */
function progressBar(total: number): { tick(): void; stop(): void } {
  if (!process.stderr.isTTY || total < 2) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{bar} {value}/{total} images | {eta_formatted} left',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}

/**
 * Image arguments as the classifier takes them: a directory becomes the image files directly inside it
 * (sorted, not recursive); files, URLs and missing paths pass through (a missing file is reported per image).
 */
async function expandImageArgs(args: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
      out.push(arg);
      continue;
    }
    const isDir = await stat(arg).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) {
      out.push(arg);
      continue;
    }
    const entries = await readdir(arg, { withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile() && hasImageExtension(e.name))
      .map((e) => path.join(arg, e.name))
      .sort();
    if (files.length === 0) {
      throw new UsageError(
        'INVALID_OPTION',
        `directory ${arg} has no image files (${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')})`,
      );
    }
    out.push(...files);
  }
  return out;
}

const MAX_IMAGE_WIDTH = 48;
const MAX_LABEL_WIDTH = 40;

function fitTo(text: string, width: number, fit: boolean): string {
  if (!fit || text.length <= width) return text.padEnd(width);
  return `…${text.slice(text.length - width + 1)}`;
}

/**
 * A readable table: one row per label (best first), the image named on its first row; errors inline.
 * `fit`: shorten long names to fit a terminal; piped output keeps every path whole (columns still align).
 */
export function formatResultsTable(results: ImageResult[], opts: { fit: boolean }): string {
  const rows = results.map((r) => ({
    image: safeText(r.image),
    labels: 'labels' in r ? r.labels.map((l) => ({ label: safeText(l.label), score: l.score })) : undefined,
    error: 'error' in r ? safeText(`${r.error.code}: ${r.error.message}`) : undefined,
  }));
  const cap = (n: number, max: number) => (opts.fit ? Math.min(max, n) : n);
  const imageWidth = cap(Math.max(5, ...rows.map((r) => r.image.length)), MAX_IMAGE_WIDTH);
  const labelWidth = cap(
    Math.max(5, ...rows.flatMap((r) => (r.labels ?? []).map((l) => l.label.length))),
    MAX_LABEL_WIDTH,
  );
  const lines = [`${'IMAGE'.padEnd(imageWidth)}  ${'LABEL'.padEnd(labelWidth)}  SCORE`];
  for (const r of rows) {
    const name = fitTo(r.image, imageWidth, opts.fit);
    if (r.error !== undefined) {
      lines.push(`${name}  ERROR ${r.error}`);
      continue;
    }
    if (!r.labels || r.labels.length === 0) {
      lines.push(`${name}  (no label above the threshold)`);
      continue;
    }
    r.labels.forEach((l, i) => {
      const first = i === 0 ? name : ' '.repeat(imageWidth);
      lines.push(`${first}  ${fitTo(l.label, labelWidth, opts.fit)}  ${l.score.toFixed(4)}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
