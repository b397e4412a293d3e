import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { createClassifier } from '../../core/classifier.js';
import { UsageError } from '../../core/errors/index.js';
import { parseHttpSources } from '../../core/io/index.js';
import { MODEL_DTYPES } from '../../core/model/index.js';
import type { ExecutionProvider, ImageResult, ModelDtype, ScoreMode } from '../../core/types.js';
import { action, EXIT } from '../exit.js';
import { readLabelArgs } from '../label-args.js';
import { collect, positiveInt, probability } from '../options.js';

interface ClassifyFlags {
  labels?: string[];
  labelsFile?: string;
  template?: string[];
  ensemble?: string;
  topK: number;
  mode?: ScoreMode;
  threshold?: number;
  model?: string;
  provider?: ExecutionProvider;
  dtype?: ModelDtype;
  batchSize?: number;
  fastResize?: boolean;
  iccProfiles?: 'ignore' | 'convert';
  decodeMemoryMb?: number;
  json?: boolean;
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
    .option('--top-k <n>', 'labels shown per image', positiveInt, 5)
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
    .option('--model <dir>', 'model directory (default: ZEROSHOT_MODEL, then the model cache)')
    .addOption(
      new Option('--provider <provider>', 'execution provider (default: cuda, else cpu)').choices([
        'cpu',
        'cuda',
      ]),
    )
    .addOption(new Option('--dtype <dtype>', 'weight variant (default fp32)').choices(MODEL_DTYPES))
    .option('--batch-size <n>', 'images per inference batch (default 16)', positiveInt)
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
    .option('--json', 'print one JSON array of {image, labels} / {image, error}')
    .option(
      '--allow-http-host <host>',
      'only fetch http(s) images from these hosts (host, host:port, or * for public addresses; repeatable; ' +
        'env ZEROSHOT_HTTP_SOURCES). Default: any URL, as curl would',
      collect,
    )
    .addHelpText(
      'after',
      '\nExit status: 0 all images classified, 1 some images failed (the rest are still printed),\n' +
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

async function run(args: string[], flags: ClassifyFlags): Promise<number> {
  const labels = await readLabelArgs(flags.labels, flags.labelsFile);
  const images = await expandImageArgs(args);
  const warn = (msg: string) => process.stderr.write(`zeroshot: warning: ${msg}\n`);
  const classifier = await createClassifier({
    model: flags.model,
    providers: flags.provider ? [flags.provider] : undefined,
    dtype: flags.dtype,
    batchSize: flags.batchSize,
    resize: flags.fastResize ? 'fast' : 'exact',
    iccProfiles: flags.iccProfiles,
    decodeMemoryBytes: flags.decodeMemoryMb === undefined ? undefined : flags.decodeMemoryMb * 1024 * 1024,
    onWarning: warn,
    ...httpSourcesFrom(flags.allowHttpHost, process.env.ZEROSHOT_HTTP_SOURCES),
  });
  let results: ImageResult[];
  try {
    results = await classifier.classify(images, labels, {
      templates: flags.template,
      ensemble: flags.ensemble,
      topK: flags.topK,
      mode: flags.mode ?? (flags.threshold === undefined ? undefined : 'multilabel'),
      threshold: flags.threshold,
    });
  } finally {
    await classifier.close();
  }
  const failed = results.filter((r) => 'error' in r).length;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(formatResultsTable(results));
    process.stderr.write(
      `${results.length} image${results.length === 1 ? '' : 's'}, ${failed} failed · model ${classifier.info.id} on ${classifier.info.provider}\n`,
    );
  }
  return failed > 0 ? EXIT.someFailed : EXIT.ok;
}

/** File extensions picked up when a directory is given (case-insensitive). */
const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
  '.jp2',
]);

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
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .map((e) => path.join(arg, e.name))
      .sort();
    if (files.length === 0) {
      throw new UsageError(
        'INVALID_OPTION',
        `directory ${arg} has no image files (${[...IMAGE_EXTENSIONS].join(' ')})`,
      );
    }
    out.push(...files);
  }
  return out;
}

const MAX_IMAGE_WIDTH = 48;

function fit(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `…${text.slice(text.length - width + 1)}`;
}

/** A readable table: one row per label (best first), the image named on its first row; errors inline. */
function formatResultsTable(results: ImageResult[]): string {
  const imageWidth = Math.min(MAX_IMAGE_WIDTH, Math.max(5, ...results.map((r) => r.image.length)));
  const labelWidth = Math.min(
    40,
    Math.max(5, ...results.flatMap((r) => ('labels' in r ? r.labels.map((l) => l.label.length) : []))),
  );
  const lines = [`${'IMAGE'.padEnd(imageWidth)}  ${'LABEL'.padEnd(labelWidth)}  SCORE`];
  for (const r of results) {
    const name = fit(r.image, imageWidth);
    if ('error' in r) {
      lines.push(`${name}  ERROR ${r.error.code}: ${r.error.message}`);
      continue;
    }
    if (r.labels.length === 0) {
      lines.push(`${name}  (no label above the threshold)`);
      continue;
    }
    r.labels.forEach((l, i) => {
      const first = i === 0 ? name : ' '.repeat(imageWidth);
      lines.push(`${first}  ${fit(l.label, labelWidth)}  ${l.score.toFixed(4)}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
